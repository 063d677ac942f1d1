"""Services through twilio-python, including the always-present `default`."""

import pytest
from twilio.base.exceptions import TwilioRestException


def test_default_service_by_name_and_sid(client):
    default = client.sync.v1.services("default").fetch()
    assert default.sid.startswith("IS")
    assert default.unique_name == "default"
    assert client.sync.v1.services(default.sid).fetch().sid == default.sid
    assert default.links["documents"].endswith(f"/Services/{default.sid}/Documents")
    # Objects created under "default" live in that service.
    doc = client.sync.v1.services("default").documents.create(data={"x": 1})
    assert doc.service_sid == default.sid
    client.sync.v1.services(default.sid).documents(doc.sid).delete()


def test_service_crud(client):
    created = client.sync.v1.services.create(
        friendly_name="calls", acl_enabled=True, reachability_debouncing_window=2000
    )
    assert created.friendly_name == "calls"
    assert created.acl_enabled is True
    assert created.reachability_debouncing_window == 2000
    updated = client.sync.v1.services(created.sid).update(friendly_name="renamed")
    assert updated.friendly_name == "renamed"
    sids = [s.sid for s in client.sync.v1.services.list(page_size=1)]
    assert created.sid in sids
    assert client.sync.v1.services(created.sid).delete() is True
    with pytest.raises(TwilioRestException) as err:
        client.sync.v1.services(created.sid).fetch()
    assert (err.value.status, err.value.code) == (404, 20404)
    assert client.sync.v1.services("default").fetch().unique_name == "default"


def test_webhook_url_empty_is_null_and_bad_is_refused(client):
    # Twilio's description allows only null or a URI for webhook_url, never "".
    created = client.sync.v1.services.create(webhook_url="")
    assert created.webhook_url is None
    updated = client.sync.v1.services(created.sid).update(
        webhook_url="https://example.com/sync-events"
    )
    assert updated.webhook_url == "https://example.com/sync-events"
    cleared = client.sync.v1.services(created.sid).update(webhook_url="")
    assert cleared.webhook_url is None
    with pytest.raises(TwilioRestException) as err:
        client.sync.v1.services(created.sid).update(webhook_url="not a url")
    assert (err.value.status, err.value.code) == (400, 20001)
    assert client.sync.v1.services(created.sid).fetch().webhook_url is None
    client.sync.v1.services(created.sid).delete()
