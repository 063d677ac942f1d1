"""`callflow wire` against a real sync-emulator process (the local 2010-04-01 API), with
twilio-python reading the number back: the change, idempotency, --dry-run's diff, the API
key, and Twilio's refusals explained in one line."""

import os
import subprocess

import pytest
from twilio.rest import Client

from conftest import ACCOUNT_SID, AUTH_TOKEN, ROOT, Emulator

NUMBER = "+12065550100"
OTHER = "+12065550101"
BASE = "https://abc123.execute-api.eu-west-1.amazonaws.com"
HOOK = BASE + "/store-call-state"


def _callflow():
    path = os.environ.get("CALLFLOW_BIN") or str(ROOT / "target" / "debug" / "callflow")
    if not os.path.exists(path):
        pytest.exit(f"callflow binary not found at {path}; run cargo build first", 2)
    return path


@pytest.fixture(scope="module")
def emu():
    e = Emulator("--phone-number", NUMBER, "--phone-number", OTHER)
    yield e
    e.stop()


@pytest.fixture
def twilio(emu):
    client = emu.client()
    client.api.base_url = emu.base_url
    return client


def wire(emu, *args, token=AUTH_TOKEN, cwd=None):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": token,
        "TWILIO_API_URL": emu.base_url,
    }
    return subprocess.run(
        [_callflow(), "wire", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def number(twilio, phone):
    [found] = twilio.incoming_phone_numbers.list(phone_number=phone)
    return found


def one_error_line(result):
    assert result.returncode == 1, result
    assert result.stdout == "" or "error" not in result.stdout
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_dry_run_prints_the_diff_and_changes_nothing(emu, twilio):
    result = wire(emu, "--number", OTHER, "--base-url", BASE, "--dry-run", "--create-api-key")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"-voice_url: \n+voice_url: {HOOK}\n" in out
    assert f"-status_callback: \n+status_callback: {HOOK}\n" in out
    assert f"-voice_fallback_url: \n+voice_fallback_url: {HOOK}\n" in out
    assert " voice_method: POST\n" in out
    assert "dry run: 3 setting(s)" in out
    assert "would be created" in out
    after = number(twilio, OTHER)
    assert after.voice_url == "" and after.status_callback == "" and after.voice_fallback_url == ""
    assert [k.friendly_name for k in twilio.keys.list()] == []


def test_wires_the_number_then_has_nothing_to_change(emu, twilio):
    # Something else was there before: wire replaces it.
    twilio.incoming_phone_numbers(number(twilio, NUMBER).sid).update(
        voice_url="https://old.example/voice", voice_method="GET"
    )
    first = wire(emu, "--number", NUMBER, "--base-url", BASE + "/")
    assert first.returncode == 0, first.stderr
    assert f"wired {NUMBER} to {HOOK}: 4 setting(s) changed" in first.stdout
    assert "-voice_method: GET\n+voice_method: POST" in first.stdout
    assert "Sync service default exists (IS" in first.stdout

    wired = number(twilio, NUMBER)
    assert wired.voice_url == HOOK and wired.voice_method == "POST"
    assert wired.status_callback == HOOK and wired.status_callback_method == "POST"
    assert wired.voice_fallback_url == HOOK and wired.voice_fallback_method == "POST"
    assert number(twilio, OTHER).voice_url == ""

    second = wire(emu, "--number", NUMBER, "--base-url", BASE)
    assert second.returncode == 0, second.stderr
    assert f"{NUMBER} is already wired to {HOOK}: no change" in second.stdout
    assert "---" not in second.stdout
    assert number(twilio, NUMBER).date_updated == wired.date_updated


def test_creates_the_api_key_once_and_it_works(emu, twilio):
    result = wire(emu, "--number", NUMBER, "--base-url", BASE, "--create-api-key")
    assert result.returncode == 0, result.stderr
    lines = dict(
        l.strip().split("=", 1) for l in result.stdout.splitlines() if l.strip().startswith("TWILIO_API_")
    )
    sid, secret = lines["TWILIO_API_KEY"], lines["TWILIO_API_SECRET"]
    assert sid.startswith("SK") and len(secret) == 32
    assert result.stdout.count(secret) == 1
    # The secret authenticates: twilio-python reads the number back with the new key.
    by_key = Client(sid, secret, ACCOUNT_SID)
    by_key.api.base_url = emu.base_url
    assert number(by_key, NUMBER).voice_url == HOOK
    assert [k.sid for k in twilio.keys.list()] == [sid]

    again = wire(emu, "--number", NUMBER, "--base-url", BASE, "--create-api-key")
    assert again.returncode == 0, again.stderr
    assert f"API key {sid}" in again.stdout and "exists already" in again.stdout
    assert secret not in again.stdout
    assert [k.sid for k in twilio.keys.list()] == [sid]


def test_unknown_number_is_one_line(emu):
    line = one_error_line(wire(emu, "--number", "+19995550100", "--base-url", BASE))
    assert f"+19995550100 is not a phone number of account {ACCOUNT_SID}" in line


def test_bad_credentials_are_one_line(emu, twilio):
    line = one_error_line(wire(emu, "--number", NUMBER, "--base-url", "https://x.example", token="wrong"))
    assert "refused the credentials" in line and "20003" in line and "TWILIO_AUTH_TOKEN" in line
    assert number(twilio, NUMBER).voice_url == HOOK


def test_missing_sync_service_is_one_line_and_nothing_changes(emu, twilio):
    line = one_error_line(
        wire(emu, "--number", NUMBER, "--base-url", "https://x.example", "--sync-service", "ISnope")
    )
    assert "Sync service ISnope does not exist" in line
    assert number(twilio, NUMBER).voice_url == HOOK


def test_bad_input_is_refused_before_any_request(emu):
    assert "is not an E.164 number" in one_error_line(wire(emu, "--number", "2065550100", "--base-url", BASE))
    assert "must be an absolute http(s) URL" in one_error_line(
        wire(emu, "--number", NUMBER, "--base-url", "abc.example")
    )


def test_stack_without_the_aws_cli_is_one_line(emu, tmp_path):
    env_path = os.environ.get("PATH", "")
    os.environ["PATH"] = str(tmp_path)  # no `aws` there
    try:
        line = one_error_line(wire(emu, "--number", NUMBER, "--stack", "callflow"))
    finally:
        os.environ["PATH"] = env_path
    assert "--stack needs the AWS CLI" in line and "VoiceWebhookUrl" in line
