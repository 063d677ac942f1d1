"""Sync Permissions (Documents, Maps, Lists) through twilio-python."""

import pytest
from twilio.base.exceptions import TwilioRestException

from conftest import unique


def _contexts(service):
    """(permission list, object SID field) of a fresh Document, Map and List."""
    doc = service.documents.create(unique_name=unique("doc"), data={})
    map_ = service.sync_maps.create(unique_name=unique("map"))
    list_ = service.sync_lists.create(unique_name=unique("list"))
    return [
        (service.documents(doc.sid).document_permissions, "document_sid", doc.sid),
        (service.sync_maps(map_.sid).sync_map_permissions, "map_sid", map_.sid),
        (service.sync_lists(list_.sid).sync_list_permissions, "list_sid", list_.sid),
    ]


def test_permissions_round_trip_on_every_kind(service):
    for permissions, sid_field, sid in _contexts(service):
        alice = permissions("alice").update(read=True, write=False, manage=False)
        assert (alice.identity, alice.read, alice.write, alice.manage) == ("alice", True, False, False)
        assert getattr(alice, sid_field) == sid
        assert alice.url.endswith(f"/{sid}/Permissions/alice")

        again = permissions("alice").update(read=False, write=True, manage=True)
        fetched = permissions("alice").fetch()
        assert (fetched.read, fetched.write, fetched.manage) == (again.read, again.write, again.manage) == (False, True, True)

        for who in ("bob", "carol", "dave"):
            permissions(who).update(read=True, write=True, manage=False)
        # The client pages through them all (page size 2 forces three pages).
        listed = [p.identity for p in permissions.stream(page_size=2)]
        assert listed == ["alice", "bob", "carol", "dave"]

        assert permissions("bob").delete() is True
        with pytest.raises(TwilioRestException) as err:
            permissions("bob").fetch()
        assert (err.value.status, err.value.code) == (404, 20404)
        assert [p.identity for p in permissions.list()] == ["alice", "carol", "dave"]


def test_permissions_of_a_missing_object_are_404(service):
    with pytest.raises(TwilioRestException) as err:
        service.documents("no-such-document").document_permissions("alice").update(
            read=True, write=True, manage=True)
    assert (err.value.status, err.value.code) == (404, 20404)
