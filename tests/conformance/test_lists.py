"""Lists and List Items through twilio-python."""

import pytest
from twilio.base.exceptions import TwilioRestException

from conftest import unique


def test_list_crud(service):
    name = unique("list")
    lst = service.sync_lists.create(unique_name=name, ttl=600)
    assert lst.sid.startswith("ES")
    assert lst.date_expires is not None
    assert service.sync_lists(name).fetch().sid == lst.sid
    assert service.sync_lists(lst.sid).update(collection_ttl=0).date_expires is None
    assert [x.sid for x in service.sync_lists.list()] == [lst.sid]
    assert service.sync_lists(name).delete() is True
    with pytest.raises(TwilioRestException) as err:
        service.sync_lists(lst.sid).fetch()
    assert (err.value.status, err.value.code) == (404, 20404)


def test_list_items_indexes_update_delete(service):
    lst = service.sync_lists.create(unique_name=unique("list"))
    items = service.sync_lists(lst.unique_name).sync_list_items
    created = [items.create(data={"n": n}) for n in range(4)]
    assert [i.index for i in created] == [0, 1, 2, 3]
    assert created[0].list_sid == lst.sid

    second = service.sync_lists(lst.sid).sync_list_items(1)
    fetched = second.fetch()
    assert fetched.data == {"n": 1}
    updated = second.update(data={"n": 10}, if_match=fetched.revision)
    assert updated.data == {"n": 10}
    with pytest.raises(TwilioRestException) as err:
        second.update(data={"n": 11}, if_match=fetched.revision)
    assert (err.value.status, err.value.code) == (412, 54155)

    assert service.sync_lists(lst.sid).sync_list_items(3).delete() is True
    assert items.create(data={"n": 4}).index == 4, "deleted indexes are never reused"
    assert [i.index for i in items.list()] == [0, 1, 2, 4]
    assert [i.index for i in items.list(order="desc", page_size=2)] == [4, 2, 1, 0]
    assert [i.index for i in items.list(from_="1", bounds="exclusive")] == [2, 4]


def test_list_items_paging(service):
    lst = service.sync_lists.create()
    items = service.sync_lists(lst.sid).sync_list_items
    for n in range(9):
        items.create(data={"n": n})
    first = items.page(page_size=4)
    assert [i.index for i in first] == [0, 1, 2, 3]
    second = first.next_page()
    assert [i.index for i in second] == [4, 5, 6, 7]
    assert [i.index for i in second.next_page()] == [8]
    assert [i.data["n"] for i in items.stream(page_size=2)] == list(range(9))
