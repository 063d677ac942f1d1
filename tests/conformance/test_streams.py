"""Streams and Stream Messages through twilio-python."""

import pytest
from twilio.base.exceptions import TwilioRestException

from conftest import unique


def test_stream_crud_and_publish(service):
    name = unique("stream")
    stream = service.sync_streams.create(unique_name=name)
    assert stream.sid.startswith("TO")
    assert stream.links["messages"].endswith(f"/Streams/{stream.sid}/Messages")
    assert service.sync_streams(name).fetch().sid == stream.sid
    assert service.sync_streams(stream.sid).update(ttl=60).date_expires is not None
    assert [s.sid for s in service.sync_streams.list()] == [stream.sid]

    msg = service.sync_streams(name).stream_messages.create(data={"event": "answered"})
    assert msg.sid.startswith("TZ")
    assert msg.data == {"event": "answered"}

    assert service.sync_streams(name).delete() is True
    with pytest.raises(TwilioRestException) as err:
        service.sync_streams(name).stream_messages.create(data={})
    assert (err.value.status, err.value.code) == (404, 20404)
