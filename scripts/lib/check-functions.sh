# The checks both ways of running the built functions share (scripts/check-lambda-watch,
# scripts/check-sam-build): a simulated call through store-call-state with `callflow call`
# (gather, billing, status callback), its state read back, and an access token from
# sync-token. Sourced; expects $sid, $token, $api_key and $api_token.

# check_functions BASE_URL LOG LABEL
check_functions() {
  local base=$1 log=$2 label=$3 out call_sid
  call_sid=CA$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  out=$(TWILIO_ACCOUNT_SID=$sid TWILIO_AUTH_TOKEN=$token timeout 240 \
    target/debug/callflow call --to "$base/store-call-state" --digits 1,123456 --call-sid "$call_sid") || {
    echo "$out"; cat "$log"; return 1; }
  # Here-strings, not `echo | grep -q`: grep -q exits at its first match, and under
  # pipefail the echo it cut short (SIGPIPE) would fail the check on a matching output.
  grep -q '"stage": "billing_thanks"' <<<"$out" || { echo "$out"; echo "unexpected final state"; return 1; }
  grep -q '"status": "completed"' <<<"$out" || { echo "$out"; echo "status callback not recorded"; return 1; }
  echo "$label: simulated call through store-call-state OK"

  # get-call-state reads that call back; presence-heartbeat takes a beat and lists it.
  python3 - "$base" "$api_token" "$call_sid" <<'EOF_PY' || { cat "$log"; return 1; }
import json, sys, urllib.error, urllib.parse, urllib.request
base, bearer, call_sid = sys.argv[1:]
auth = {"Authorization": f"Bearer {bearer}"}
def fetch(path, data=None, headers=auth):
    req = urllib.request.Request(base + path, data=data, headers=headers)
    with urllib.request.urlopen(req, timeout=120) as answer:
        return answer.status, json.load(answer)
assert call_sid.startswith("CA"), call_sid
status, state = fetch(f"/get-call-state?CallSid={call_sid}")
assert status == 200 and state["callSid"] == call_sid and state["stage"] == "billing_thanks", state
try:
    fetch(f"/get-call-state?CallSid={call_sid}", headers={"Authorization": "Bearer wrong"})
    raise AssertionError("a wrong bearer token was accepted")
except urllib.error.HTTPError as refused:
    assert refused.code in (401, 403), refused.code
    assert json.load(refused)["code"], "no Twilio-style error body"
beat = urllib.parse.urlencode({"identity": "alice", "status": "online"}).encode()
status, _ = fetch("/presence-heartbeat", beat, {**auth, "Content-Type": "application/x-www-form-urlencoded"})
assert status == 200, status
status, present = fetch("/presence-heartbeat")
assert "alice" in json.dumps(present), present
EOF_PY
  echo "$label: get-call-state and presence-heartbeat OK"

  # sync-token: a token for alice naming the emulator's default service.
  python3 - "$base/sync-token?identity=alice" "$api_token" "$api_key" <<'EOF_PY' || { cat "$log"; return 1; }
import base64, json, sys, urllib.request
url, bearer, key = sys.argv[1:]
req = urllib.request.Request(url, headers={"Authorization": f"Bearer {bearer}"})
answer = json.load(urllib.request.urlopen(req, timeout=120))
claims = answer["token"].split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
assert claims["grants"]["identity"] == "alice", claims
assert claims["iss"] == key, claims
assert claims["grants"]["data_sync"]["service_sid"].startswith("IS"), claims
assert claims["exp"] - claims["nbf"] == 3600, claims
EOF_PY
  echo "$label: sync-token minted a token OK"

  # No warning noise from the functions.
  if grep -E "WARN|AWS_LAMBDA_MAX_CONCURRENCY|panicked" "$log"; then
    echo "$label: warnings in the functions' log"; return 1
  fi
}
