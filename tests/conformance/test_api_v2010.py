"""Twilio's 2010-04-01 API beyond Sync (IncomingPhoneNumbers, Messages, a call's Recordings,
Keys) and IAM's /v1/Keys, through twilio-python with only its base URLs changed."""

import base64
import json
import urllib.error
import urllib.request

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from conftest import ACCOUNT_SID, AUTH_TOKEN, Emulator

NUMBERS = ["+12065550100", "+12065550101"]
CALL_SID = "CA" + "ab" * 16


@pytest.fixture(scope="module")
def api_emulator():
    emu = Emulator(*[a for n in NUMBERS for a in ("--phone-number", n)])
    yield emu
    emu.stop()


def point(client, emu):
    client.api.base_url = emu.base_url
    client.iam.base_url = emu.base_url
    return client


@pytest.fixture
def client(api_emulator):
    return point(api_emulator.client(), api_emulator)


def test_seeded_numbers_list_filter_and_fetch(client):
    numbers = client.incoming_phone_numbers.list()
    assert [n.phone_number for n in numbers] == NUMBERS
    first = numbers[0]
    assert first.sid.startswith("PN") and len(first.sid) == 34
    assert first.account_sid == ACCOUNT_SID
    assert first.friendly_name == "(206) 555-0100"
    assert first.date_created is not None  # RFC 2822, parsed by twilio-python
    assert first.uri == f"/2010-04-01/Accounts/{ACCOUNT_SID}/IncomingPhoneNumbers/{first.sid}.json"

    only = client.incoming_phone_numbers.list(phone_number=NUMBERS[1])
    assert [n.phone_number for n in only] == [NUMBERS[1]]
    assert client.incoming_phone_numbers.list(phone_number="+19995550100") == []
    partial = client.incoming_phone_numbers.list(phone_number="5550101")
    assert [n.phone_number for n in partial] == [NUMBERS[1]]

    fetched = client.incoming_phone_numbers(first.sid).fetch()
    assert fetched.phone_number == NUMBERS[0]


def test_list_pages_through_numbers(client):
    page = client.incoming_phone_numbers.page(page_size=1)
    assert len(list(page)) == 1
    following = page.next_page()
    assert [n.phone_number for n in following] == [NUMBERS[1]]
    assert following.next_page() is None


def test_update_voice_and_status_webhooks(client):
    sid = client.incoming_phone_numbers.list(phone_number=NUMBERS[0])[0].sid
    updated = client.incoming_phone_numbers(sid).update(
        voice_url="https://example.com/store-call-state",
        voice_method="POST",
        voice_fallback_url="https://example.com/store-call-state?fallback=1",
        voice_fallback_method="post",
        status_callback="https://example.com/store-call-state",
        status_callback_method="POST",
    )
    assert updated.voice_url == "https://example.com/store-call-state"
    assert updated.voice_fallback_url == "https://example.com/store-call-state?fallback=1"
    assert updated.voice_fallback_method == "POST"
    assert updated.status_callback == "https://example.com/store-call-state"
    again = client.incoming_phone_numbers(sid).fetch()
    assert again.voice_url == updated.voice_url
    assert again.status_callback_method == "POST"

    cleared = client.incoming_phone_numbers(sid).update(voice_fallback_url="")
    assert cleared.voice_fallback_url == ""
    assert cleared.voice_url == "https://example.com/store-call-state"

    with pytest.raises(TwilioRestException) as e:
        client.incoming_phone_numbers(sid).update(voice_method="PUT")
    assert e.value.status == 400 and e.value.code == 20001
    with pytest.raises(TwilioRestException) as e:
        client.incoming_phone_numbers(sid).update(voice_url="not a url")
    assert e.value.status == 400 and e.value.code == 20001


def test_unknown_number_is_twilios_404(client):
    missing = "PN" + "00" * 16
    with pytest.raises(TwilioRestException) as e:
        client.incoming_phone_numbers(missing).fetch()
    assert e.value.status == 404 and e.value.code == 20404
    assert missing in e.value.msg


def test_messages_are_kept_not_sent(client):
    created = client.messages.create(to="+15005550006", from_=NUMBERS[0], body="Your order ships today")
    assert created.sid.startswith("SM") and len(created.sid) == 34
    assert created.status == "queued"
    assert created.direction == "outbound-api"
    assert created.num_segments == "1"
    assert created.date_created is not None
    fetched = client.messages(created.sid).fetch()
    assert fetched.body == "Your order ships today"
    assert fetched.to == "+15005550006"
    assert getattr(fetched, "from_") == NUMBERS[0]
    mine = client.messages.list(to="+15005550006")
    assert created.sid in [m.sid for m in mine]
    assert all(m.to == "+15005550006" for m in mine)


@pytest.mark.parametrize(
    "kwargs, code",
    [
        (dict(from_="+12065550100", body="hi"), 21604),
        (dict(to="+15005550006", body="hi"), 21603),
        (dict(to="+15005550006", from_="+12065550100"), 21602),
        (dict(to="call me", from_="+12065550100", body="hi"), 21211),
    ],
)
def test_message_create_errors_use_twilios_codes(client, kwargs, code):
    to = kwargs.pop("to", "")
    with pytest.raises(TwilioRestException) as e:
        client.messages.create(to=to, **kwargs)
    assert e.value.status == 400 and e.value.code == code


def test_call_recording_start_and_stop(client):
    rec = client.calls(CALL_SID).recordings.create(recording_channels="dual")
    assert rec.sid.startswith("RE") and rec.call_sid == CALL_SID
    assert rec.status == "in-progress" and rec.channels == 2 and rec.duration == "-1"
    stopped = client.calls(CALL_SID).recordings("Twilio.CURRENT").update(status="stopped")
    assert stopped.sid == rec.sid and stopped.status == "stopped"
    assert int(stopped.duration) >= 0
    assert client.recordings(rec.sid).fetch().status == "stopped"
    assert [r.sid for r in client.calls(CALL_SID).recordings.list()] == [rec.sid]
    with pytest.raises(TwilioRestException) as e:
        client.calls(CALL_SID).recordings(rec.sid).update(status="in-progress")
    assert e.value.status == 400
    with pytest.raises(TwilioRestException) as e:
        client.calls("not-a-call").recordings.create()
    assert e.value.status == 404 and e.value.code == 20404


def test_v2010_keys_create_authenticate_list_delete(api_emulator, client):
    key = client.new_keys.create(friendly_name="callflow sync-token")
    assert key.sid.startswith("SK") and len(key.sid) == 34
    assert len(key.secret) == 32
    listed = {k.sid: k for k in client.keys.list()}
    assert listed[key.sid].friendly_name == "callflow sync-token"
    # The new key works as Basic credentials at once.
    by_key = point(Client(key.sid, key.secret, ACCOUNT_SID), api_emulator)
    assert [n.phone_number for n in by_key.incoming_phone_numbers.list()] == NUMBERS
    client.keys(key.sid).delete()
    assert key.sid not in [k.sid for k in client.keys.list()]
    with pytest.raises(TwilioRestException) as e:
        by_key.messages.create(to="+15005550006", from_=NUMBERS[0], body="after delete")
    assert e.value.status == 401 and e.value.code == 20003


def test_iam_keys(api_emulator, client):
    key = client.iam.v1.new_api_key.create(account_sid=ACCOUNT_SID, friendly_name="iam key")
    assert key.sid.startswith("SK") and key.secret
    listed = client.iam.v1.get_api_keys.list(account_sid=ACCOUNT_SID)
    assert key.sid in [k.sid for k in listed]
    assert client.iam.v1.api_key(key.sid).fetch().friendly_name == "iam key"
    client.iam.v1.api_key(key.sid).delete()
    with pytest.raises(TwilioRestException) as e:
        client.iam.v1.api_key(key.sid).fetch()
    assert e.value.status == 404


def test_bad_credentials_get_twilios_401_body(api_emulator):
    bad = point(api_emulator.client(auth_token="wrong"), api_emulator)
    with pytest.raises(TwilioRestException) as e:
        bad.incoming_phone_numbers("PN" + "00" * 16).fetch()
    assert e.value.status == 401 and e.value.code == 20003
    req = urllib.request.Request(
        f"{api_emulator.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/IncomingPhoneNumbers.json",
        headers={"Authorization": "Basic " + base64.b64encode(f"{ACCOUNT_SID}:nope".encode()).decode()},
    )
    with pytest.raises(urllib.error.HTTPError) as raw:
        urllib.request.urlopen(req, timeout=10)
    body = json.loads(raw.value.read())
    assert body == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }


def test_another_accounts_path_is_refused(api_emulator):
    other = "AC" + "0d" * 16
    client = point(Client(ACCOUNT_SID, AUTH_TOKEN, other), api_emulator)
    with pytest.raises(TwilioRestException) as e:
        client.messages.create(to="+15005550006", from_=NUMBERS[0], body="elsewhere")
    assert e.value.status == 401 and e.value.code == 20003
