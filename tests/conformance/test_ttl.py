"""TTL expiry end to end, in real time (short TTLs; the Rust tests cover exact timing)."""

import time

import pytest
from twilio.base.exceptions import TwilioRestException

from conftest import unique


def _gone(fetch):
    with pytest.raises(TwilioRestException) as err:
        fetch()
    return (err.value.status, err.value.code) == (404, 20404)


def test_objects_and_items_expire(service):
    doc = service.documents.create(unique_name=unique("doc"), data={}, ttl=1)
    assert doc.date_expires is not None
    keep = service.documents.create(data={})
    m = service.sync_maps.create(unique_name=unique("map"))
    items = service.sync_maps(m.sid).sync_map_items
    items.create(key="short", data={}, item_ttl=1)
    items.create(key="long", data={})
    lst = service.sync_lists.create(collection_ttl=1)
    service.sync_lists(lst.sid).sync_list_items.create(data={})

    assert service.documents(doc.sid).fetch().sid == doc.sid
    time.sleep(2.2)

    assert _gone(service.documents(doc.sid).fetch)
    assert _gone(service.documents(doc.unique_name).fetch)
    assert [d.sid for d in service.documents.list()] == [keep.sid]
    assert _gone(items("short").fetch)
    assert [i.key for i in items.list()] == ["long"]
    assert _gone(service.sync_lists(lst.sid).fetch)
    assert _gone(service.sync_lists(lst.sid).sync_list_items(0).fetch)
    # The unique name is free again.
    assert service.documents.create(unique_name=doc.unique_name).unique_name == doc.unique_name
