"""Documents through twilio-python: create, fetch by SID and unique name, update, delete, list."""

import datetime

import pytest
from twilio.base.exceptions import TwilioRestException

from conftest import unique


def test_create_and_fetch_by_sid_and_unique_name(service):
    name = unique("doc")
    doc = service.documents.create(unique_name=name, data={"state": "ringing", "n": [1, 2]})
    assert doc.sid.startswith("ET") and len(doc.sid) == 34
    assert doc.unique_name == name
    assert doc.data == {"state": "ringing", "n": [1, 2]}
    assert doc.revision == "0"
    assert doc.created_by == "system"
    assert doc.date_expires is None
    assert isinstance(doc.date_created, datetime.datetime)
    assert doc.service_sid == service._solution["sid"]
    assert doc.url.endswith(f"/v1/Services/{doc.service_sid}/Documents/{doc.sid}")
    assert doc.links["permissions"].endswith(f"/Documents/{doc.sid}/Permissions")

    by_sid = service.documents(doc.sid).fetch()
    by_name = service.documents(name).fetch()
    assert by_sid.sid == by_name.sid == doc.sid
    assert by_name.data == doc.data


def test_update_replaces_whole_value_and_bumps_revision(service):
    doc = service.documents.create(data={"a": 1, "b": 2})
    updated = service.documents(doc.sid).update(data={"c": 3}, if_match=doc.revision)
    assert updated.data == {"c": 3}
    assert updated.revision != doc.revision
    again = service.documents(doc.sid).update(data={"d": "é"})
    assert again.data == {"d": "é"}
    assert service.documents(doc.sid).fetch().revision == again.revision


def test_stale_if_match_is_412_54103_and_changes_nothing(service):
    doc = service.documents.create(data={"v": 1})
    service.documents(doc.sid).update(data={"v": 2}, if_match=doc.revision)
    with pytest.raises(TwilioRestException) as err:
        service.documents(doc.sid).update(data={"v": 3}, if_match=doc.revision)
    assert err.value.status == 412
    assert err.value.code == 54103
    assert service.documents(doc.sid).fetch().data == {"v": 2}


def test_delete_then_fetch_is_404(service):
    doc = service.documents.create(unique_name=unique("gone"))
    assert service.documents(doc.unique_name).delete() is True
    with pytest.raises(TwilioRestException) as err:
        service.documents(doc.sid).fetch()
    assert (err.value.status, err.value.code) == (404, 20404)


def test_list_pages_through_everything(service):
    sids = [service.documents.create(data={"i": i}).sid for i in range(7)]
    assert [d.sid for d in service.documents.list(page_size=3)] == sids
    assert [d.sid for d in service.documents.stream(page_size=2)] == sids
    assert len(service.documents.list(limit=4)) == 4

    first = service.documents.page(page_size=3)
    assert [d.sid for d in first] == sids[:3]
    second = first.next_page()
    assert [d.sid for d in second] == sids[3:6]
    third = second.next_page()
    assert [d.sid for d in third] == sids[6:]
    assert third.next_page() is None
    back = third.previous_page()
    assert [d.sid for d in back] == sids[3:6]
