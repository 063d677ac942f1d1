"""Studio's Flows API (v2) through twilio-python: flows, revisions, Validate, errors."""

import copy
import json

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException

from conftest import ACCOUNT_SID, ROOT, unique

ORDER_LINE = json.loads((ROOT / "flows" / "order-line.json").read_text())

SMALL = {
    "description": "small",
    "states": [
        {
            "name": "Trigger",
            "type": "trigger",
            "transitions": [{"event": "incomingCall", "next": "hello"}],
            "properties": {"offset": {"x": 0, "y": 0}},
        },
        {
            "name": "hello",
            "type": "say-play",
            "transitions": [{"event": "audioComplete"}],
            "properties": {"say": "Hello", "offset": {"x": 0, "y": 200}},
        },
    ],
    "initial_state": "Trigger",
    "flags": {"allow_concurrent_calls": True},
}


def broken():
    d = copy.deepcopy(SMALL)
    d["states"][0]["transitions"][0]["next"] = "nowhere"
    d["states"].append({"name": "hello", "type": "teleport", "transitions": []})
    return d


@pytest.fixture
def studio(emulator):
    client = emulator.client()
    client.studio.base_url = emulator.base_url
    return client.studio.v2


def test_create_fetch_and_list(studio):
    name = unique("order-line")
    flow = studio.flows.create(
        friendly_name=name, status="draft", definition=ORDER_LINE, commit_message="first"
    )
    assert flow.sid.startswith("FW") and len(flow.sid) == 34
    assert flow.account_sid == ACCOUNT_SID
    assert flow.friendly_name == name
    assert flow.status == "draft"
    assert flow.revision == 1
    assert flow.commit_message == "first"
    assert flow.valid is True and flow.errors == [] and flow.warnings == []
    assert flow.definition == ORDER_LINE
    assert flow.date_created is not None and flow.date_updated is not None
    assert flow.url.endswith(f"/v2/Flows/{flow.sid}")
    assert flow.links["revisions"].endswith(f"/v2/Flows/{flow.sid}/Revisions")
    assert flow.webhook_url.endswith(f"/Flows/{flow.sid}")

    fetched = studio.flows(flow.sid).fetch()
    assert fetched.definition == ORDER_LINE
    assert fetched.revision == 1

    sids = [f.sid for f in studio.flows.list()]
    assert flow.sid in sids
    page = studio.flows.page(page_size=1)
    assert len(list(page)) == 1
    studio.flows(flow.sid).delete()


def test_list_pages_through_every_flow(studio):
    created = [
        studio.flows.create(friendly_name=unique("p"), status="draft", definition=SMALL).sid
        for _ in range(3)
    ]
    listed = [f.sid for f in studio.flows.list(page_size=2)]
    assert [s for s in listed if s in created] == created
    for sid in created:
        studio.flows(sid).delete()


def test_update_adds_revisions(studio):
    flow = studio.flows.create(friendly_name=unique("f"), status="draft", definition=SMALL)
    changed = copy.deepcopy(SMALL)
    changed["states"][1]["properties"]["say"] = "Hello again"
    updated = studio.flows(flow.sid).update(
        status="published", definition=changed, commit_message="say it again"
    )
    assert updated.revision == 2
    assert updated.status == "published"
    assert updated.commit_message == "say it again"
    assert updated.definition == changed
    assert updated.friendly_name == flow.friendly_name

    revisions = studio.flows(flow.sid).revisions.list()
    assert [r.revision for r in revisions] == [2, 1]
    assert revisions[0].commit_message == "say it again"

    first = studio.flows(flow.sid).revisions("1").fetch()
    assert first.revision == 1 and first.definition == SMALL and first.status == "draft"
    assert first.url.endswith(f"/v2/Flows/{flow.sid}/Revisions/1")
    published = studio.flows(flow.sid).revisions("LatestPublished").fetch()
    assert published.revision == 2
    assert studio.flows(flow.sid).revisions("LatestRevision").fetch().revision == 2

    # A status-only update is a new revision with the same definition.
    again = studio.flows(flow.sid).update(status="draft")
    assert again.revision == 3 and again.definition == changed and again.commit_message is None
    assert studio.flows(flow.sid).revisions("LatestPublished").fetch().revision == 2
    studio.flows(flow.sid).delete()


def test_validate(studio):
    ok = studio.flow_validate.update(friendly_name="v", status="draft", definition=SMALL)
    assert ok.valid is True
    with pytest.raises(TwilioRestException) as e:
        studio.flow_validate.update(friendly_name="v", status="draft", definition=broken())
    assert e.value.status == 400
    assert e.value.code == 20001
    assert "Invalid Flow Definition" in e.value.msg
    paths = [d["property_path"] for d in e.value.details["errors"]]
    assert paths == ["#/states/2/name", "#/states/2/type", "#/states/0/transitions/0/next"]
    assert all(d["message"] for d in e.value.details["errors"])


def test_invalid_definitions_are_refused(studio):
    with pytest.raises(TwilioRestException) as e:
        studio.flows.create(friendly_name="bad", status="published", definition=broken())
    assert e.value.status == 400 and e.value.code == 20001
    flow = studio.flows.create(friendly_name=unique("f"), status="draft", definition=SMALL)
    no_states = {"states": [], "initial_state": "Trigger"}
    with pytest.raises(TwilioRestException) as e:
        studio.flows(flow.sid).update(status="draft", definition=no_states)
    assert e.value.details["errors"][0]["property_path"] == "#/states"
    assert studio.flows(flow.sid).fetch().revision == 1
    studio.flows(flow.sid).delete()


def test_missing_parameters(studio):
    with pytest.raises(TwilioRestException) as e:
        studio.flows.create(friendly_name="x", status="sideways", definition=SMALL)
    assert e.value.status == 400 and e.value.code == 20001


def test_delete_and_unknown_sid(studio):
    flow = studio.flows.create(friendly_name=unique("f"), status="draft", definition=SMALL)
    assert studio.flows(flow.sid).delete() is True
    for sid in [flow.sid, "FW" + "0" * 32]:
        with pytest.raises(TwilioRestException) as e:
            studio.flows(sid).fetch()
        assert e.value.status == 404 and e.value.code == 20404
    # A list that fails is reported by twilio-python as "Unable to fetch page".
    with pytest.raises(TwilioException) as e:
        studio.flows(flow.sid).revisions.list()
    assert e.value.args[1].status_code == 404


def test_wrong_credentials(emulator):
    client = emulator.client(auth_token="wrong")
    client.studio.base_url = emulator.base_url
    with pytest.raises(TwilioRestException) as e:
        client.studio.v2.flows("FW" + "0" * 32).fetch()
    assert e.value.status == 401 and e.value.code == 20003
    with pytest.raises(TwilioRestException) as e:
        client.studio.v2.flows.create(friendly_name="x", status="draft", definition=SMALL)
    assert e.value.status == 401
    with pytest.raises(TwilioException) as e:
        client.studio.v2.flows.list()
    assert e.value.args[1].status_code == 401
