"""Maps and Map Items through twilio-python."""

import pytest
from twilio.base.exceptions import TwilioRestException

from conftest import unique


def test_map_crud(service):
    name = unique("map")
    m = service.sync_maps.create(unique_name=name)
    assert m.sid.startswith("MP")
    assert m.links["items"].endswith(f"/Maps/{m.sid}/Items")
    assert service.sync_maps(name).fetch().sid == m.sid
    assert service.sync_maps(m.sid).fetch().unique_name == name
    updated = service.sync_maps(name).update(collection_ttl=3600)
    assert updated.date_expires is not None
    cleared = service.sync_maps(name).update(ttl=0)
    assert cleared.date_expires is None
    assert [x.sid for x in service.sync_maps.list()] == [m.sid]
    assert service.sync_maps(m.sid).delete() is True
    with pytest.raises(TwilioRestException) as err:
        service.sync_maps(name).fetch()
    assert (err.value.status, err.value.code) == (404, 20404)


def test_map_items_crud_and_conditional_update(service):
    m = service.sync_maps.create(unique_name=unique("map"))
    items = service.sync_maps(m.sid).sync_map_items
    created = items.create(key="caller +1 555 é", data={"leg": "a"})
    assert created.key == "caller +1 555 é"
    assert created.map_sid == m.sid
    assert created.data == {"leg": "a"}
    fetched = service.sync_maps(m.unique_name).sync_map_items("caller +1 555 é").fetch()
    assert fetched.data == {"leg": "a"}
    assert fetched.revision == created.revision

    ctx = service.sync_maps(m.sid).sync_map_items("caller +1 555 é")
    new = ctx.update(data={"leg": "b"}, if_match=fetched.revision)
    assert new.data == {"leg": "b"}
    with pytest.raises(TwilioRestException) as err:
        ctx.update(data={"leg": "c"}, if_match=fetched.revision)
    assert err.value.status == 412
    assert err.value.code == 54205
    assert ctx.fetch().data == {"leg": "b"}

    with pytest.raises(TwilioRestException) as err:
        items.create(key="caller +1 555 é", data={})
    assert (err.value.status, err.value.code) == (409, 54208)

    assert ctx.delete() is True
    with pytest.raises(TwilioRestException) as err:
        ctx.fetch()
    assert (err.value.status, err.value.code) == (404, 20404)


def test_map_items_order_from_bounds_and_paging(service):
    m = service.sync_maps.create()
    items = service.sync_maps(m.sid).sync_map_items
    keys = [f"k{i:02d}" for i in range(12)]
    for k in reversed(keys):
        items.create(key=k, data={"k": k})
    assert [i.key for i in items.list(page_size=5)] == keys
    assert [i.key for i in items.list(order="desc", page_size=5)] == list(reversed(keys))
    assert [i.key for i in items.list(from_="k05", page_size=4)] == keys[5:]
    assert [i.key for i in items.list(from_="k05", bounds="exclusive")] == keys[6:]
    assert [i.key for i in items.list(from_="k05", order="desc")] == list(reversed(keys[:6]))
    page = items.page(page_size=5)
    assert [i.key for i in page] == keys[:5]
    assert [i.key for i in page.next_page()] == keys[5:10]
