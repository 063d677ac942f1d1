"""The EMF records `callflow serve --metrics` prints (the same records every Lambda
function prints) against the Embedded Metric Format specification: the schema in
emf.schema.json plus the rules a schema cannot express. The webhooks are signed with
twilio-python's RequestValidator, as Twilio signs them."""

import json
import os
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import jsonschema_rs
from twilio.request_validator import RequestValidator

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCHEMA = json.loads((HERE / "emf.schema.json").read_text())


def post(base, token, path, params):
    url = base + path
    signature = RequestValidator(token).compute_signature(url, params)
    req = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(params).encode(),
        headers={"X-Twilio-Signature": signature,
                 "Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status


def check(record):
    jsonschema_rs.validate(SCHEMA, record)
    for directive in record["_aws"]["CloudWatchMetrics"]:
        for dimension_set in directive["Dimensions"]:
            for name in dimension_set:
                assert isinstance(record.get(name), str), name
        for metric in directive["Metrics"]:
            value = record.get(metric["Name"])
            assert isinstance(value, (int, float)) and not isinstance(value, bool), metric


def test_every_request_prints_a_valid_emf_record():
    binary = os.environ.get("CALLFLOW_BIN", str(ROOT / "target/debug/callflow"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "CALLFLOW_"))}
    serve = subprocess.Popen(
        [binary, "serve", "--port", "0", "--data", ":memory:", "--metrics"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
        cwd=os.environ.get("TMPDIR", "/tmp"),
    )
    try:
        values = {}
        for line in serve.stdout:
            line = line.strip()
            for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"):
                if line.startswith(name + "="):
                    values[name] = line.split("=", 1)[1]
            if line.startswith("READY "):
                base = line.split(" ", 1)[1]
                break
        sid, token = values["TWILIO_ACCOUNT_SID"], values["TWILIO_AUTH_TOKEN"]
        call = {"AccountSid": sid, "CallSid": "CA" + "ab" * 16, "CallStatus": "ringing",
                "From": "+15005550006", "To": "+15005550001"}
        assert post(base, token, "/store-call-state", call) == 200
        answer = dict(call, CallStatus="in-progress", Digits="1")
        assert post(base, token, "/store-call-state?stage=welcome", answer) == 200
        records = []
        for line in serve.stdout:
            if line.startswith("{") and '"_aws"' in line:
                records.append(json.loads(line))
                if len(records) == 2:
                    break
        for record in records:
            check(record)
        assert records[1]["CallSid"] == call["CallSid"]
        assert records[1]["Function"] == "store-call-state"
        assert records[1]["SyncRequests"] >= 1
        assert records[1]["StatusClass"] == "2xx"
    finally:
        serve.kill()
        serve.wait()
