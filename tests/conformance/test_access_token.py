"""callflow's access tokens against twilio-python's `AccessToken` + `SyncGrant`.

Two ways in, both compared claim for claim and header field for header field with the
token twilio-python 9.13.0 builds for the same inputs and the same clock (its `time.time`
patched), and each verified by PyJWT with the API key secret:

- `callflow token --issued-at T`: the library, with the clock pinned on both sides;
- `callflow serve`'s `sync-token` function over HTTP: the issue time is read from the
  token it answers, then given to twilio-python.

For ASCII identities the encoded claims segment is byte-identical too (same member order,
same compact JSON); the header segments differ only in member order (PyJWT sorts them).
"""

import base64
import json
import os
import subprocess
import tempfile
import urllib.parse
import urllib.request
from unittest import mock

import jwt as pyjwt
import pytest
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import SyncGrant

from conftest import ROOT

ACCOUNT = "AC" + "0123456789abcdef" * 2
KEY = "SK" + "fedcba9876543210" * 2
SECRET = "conformance-api-key-secret-0123456789"
SERVICE = "IS" + "00112233445566778899aabbccddeeff"


def _callflow():
    path = os.environ.get("CALLFLOW_BIN") or str(ROOT / "target" / "debug" / "callflow")
    if not os.path.exists(path):
        pytest.exit(f"callflow binary not found at {path}; run cargo build first", 2)
    return path


def twilio_python_token(account, key, secret, identity, service_sid, ttl, now):
    with mock.patch("time.time", return_value=now):
        token = AccessToken(account, key, secret, identity=identity, ttl=ttl)
        token.add_grant(SyncGrant(service_sid=service_sid))
        return token.to_jwt()


def callflow_token(identity, service_sid, ttl, now):
    args = [_callflow(), "token", "--identity", identity, "--ttl", str(ttl), "--issued-at", str(now)]
    if service_sid:
        args += ["--service-sid", service_sid]
    env = {**os.environ, "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_API_KEY": KEY,
           "TWILIO_API_SECRET": SECRET}
    env.pop("TWILIO_SYNC_SERVICE_SID", None)
    out = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def segment(token, n):
    part = token.split(".")[n]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verified_claims(token, secret):
    # Signature checked; the times are compared, not checked against the wall clock.
    return pyjwt.decode(token, secret, algorithms=["HS256"],
                        options={"verify_exp": False, "verify_nbf": False})


def assert_same_token(ours, theirs, secret):
    assert pyjwt.get_unverified_header(ours) == pyjwt.get_unverified_header(theirs)
    assert verified_claims(ours, secret) == verified_claims(theirs, secret)


@pytest.mark.parametrize("identity,service_sid,ttl,now", [
    ("alice", SERVICE, 3600, 1_700_000_000),
    ("agent-7@example.com", SERVICE, 1, 1_764_633_600),
    ("supervisor_1", SERVICE, 86_400, 2_000_000_000),
    ("bob", None, 600, 1_700_000_123),
    ("x" * 256, SERVICE, 3600, 1_700_000_000),
])
def test_library_token_equals_twilio_python(identity, service_sid, ttl, now):
    ours = callflow_token(identity, service_sid, ttl, now)
    theirs = twilio_python_token(ACCOUNT, KEY, SECRET, identity, service_sid, ttl, now)
    assert_same_token(ours, theirs, SECRET)
    assert segment(ours, 1) == segment(theirs, 1), "claims bytes"
    claims = verified_claims(ours, SECRET)
    assert claims["nbf"] == now and claims["exp"] == now + ttl
    assert "iat" not in claims
    assert pyjwt.get_unverified_header(ours)["cty"] == "twilio-fpa;v=1"


def test_non_ascii_identity_has_the_same_claims():
    identity = "zoë 🚀 ünïcode"
    ours = callflow_token(identity, SERVICE, 3600, 1_700_000_000)
    theirs = twilio_python_token(ACCOUNT, KEY, SECRET, identity, SERVICE, 3600, 1_700_000_000)
    assert_same_token(ours, theirs, SECRET)


def test_a_token_signed_with_another_secret_does_not_verify():
    ours = callflow_token("alice", SERVICE, 3600, 1_700_000_000)
    with pytest.raises(pyjwt.InvalidSignatureError):
        verified_claims(ours, "another-api-key-secret-0123456789")


class Serve:
    """`callflow serve` on a free port with its development credentials."""

    def __init__(self):
        self.dir = tempfile.TemporaryDirectory()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TWILIO_", "CALLFLOW_", "PUBLIC_BASE_URL", "SYNC_TOKEN"))}
        self.proc = subprocess.Popen(
            [_callflow(), "serve", "--port", "0", "--data", ":memory:"],
            cwd=self.dir.name, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        self.vars = {}
        self.base_url = None
        for _ in range(60):
            line = self.proc.stdout.readline().strip()
            if "=" in line and line.split("=", 1)[0].isupper():
                name, value = line.split("=", 1)
                self.vars[name] = value.split()[0]
            if line.startswith("READY "):
                self.base_url = line.split(" ", 1)[1]
                break
        if self.base_url is None:
            self.stop()
            raise RuntimeError("callflow serve did not print a READY line")

    def token(self, **params):
        url = f"{self.base_url}/sync-token?{urllib.parse.urlencode(params)}"
        req = urllib.request.Request(
            url, headers={"Authorization": f"Bearer {self.vars['CALLFLOW_API_TOKEN']}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.load(resp)

    def stop(self):
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.dir.cleanup()


@pytest.fixture(scope="module")
def serve():
    server = Serve()
    yield server
    server.stop()


@pytest.mark.parametrize("identity,ttl", [("alice", None), ("agent-7@example.com", 900)])
def test_serve_sync_token_equals_twilio_python(serve, identity, ttl):
    params = {"identity": identity, **({"ttl": ttl} if ttl else {})}
    answer = serve.token(**params)
    ours = answer["token"]
    secret = serve.vars["TWILIO_API_SECRET"]
    issued_at = verified_claims(ours, secret)["nbf"]
    theirs = twilio_python_token(
        serve.vars["TWILIO_ACCOUNT_SID"], serve.vars["TWILIO_API_KEY"], secret,
        identity, answer["service_sid"], ttl or 3600, issued_at)
    assert_same_token(ours, theirs, secret)
    assert segment(ours, 1) == segment(theirs, 1)
    assert answer["service_sid"].startswith("IS") and len(answer["service_sid"]) == 34


def test_serve_refuses_a_wrong_bearer_token_with_a_twilio_error(serve):
    req = urllib.request.Request(f"{serve.base_url}/sync-token?identity=alice",
                                 headers={"Authorization": "Bearer wrong"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(req, timeout=10)
    assert refused.value.code == 401
    body = json.load(refused.value)
    assert body["status"] == 401 and body["code"] == 20003 and body["more_info"]
