"""Wire details the helper library relies on: ETag headers, status codes, paging meta, URLs."""

import json

from conftest import unique


def _header(headers, name):
    for k, v in headers.items():
        if k.lower() == name.lower():
            return v
    return None


def test_etag_header_is_the_revision(service):
    created = service.documents.create_with_http_info(unique_name=unique("doc"), data={"a": 1})
    assert created.status_code == 201
    assert _header(created.headers, "ETag") == created.data.revision
    fetched = service.documents(created.data.sid).fetch_with_http_info()
    assert fetched.status_code == 200
    assert _header(fetched.headers, "ETag") == fetched.data.revision
    updated = service.documents(created.data.sid).update_with_http_info(
        data={"a": 2}, if_match=fetched.data.revision
    )
    assert _header(updated.headers, "ETag") == updated.data.revision != fetched.data.revision
    deleted = service.documents(created.data.sid).delete_with_http_info()
    assert deleted.status_code == 204


def test_paging_meta_fields(emulator, client, service):
    m = service.sync_maps.create()
    for k in ("a", "b", "c"):
        service.sync_maps(m.sid).sync_map_items.create(key=k, data={})
    url = f"{emulator.base_url}/v1/Services/{m.service_sid}/Maps/{m.sid}/Items"
    resp = client.request("GET", url, params={"PageSize": 2, "Order": "asc"})
    assert resp.status_code == 200
    body = json.loads(resp.text)
    meta = body["meta"]
    assert meta["key"] == "items"
    assert meta["page"] == 0
    assert meta["page_size"] == 2
    assert meta["previous_page_url"] is None
    assert meta["first_page_url"].startswith(url + "?")
    assert meta["url"].startswith(url + "?")
    assert "PageToken=" in meta["next_page_url"]
    assert [i["key"] for i in body["items"]] == ["a", "b"]
    nxt = json.loads(client.request("GET", meta["next_page_url"]).text)
    assert [i["key"] for i in nxt["items"]] == ["c"]
    assert nxt["meta"]["page"] == 1
    assert nxt["meta"]["next_page_url"] is None
    assert nxt["meta"]["previous_page_url"] is not None


def test_list_keys_per_resource(emulator, client, service):
    sid = service._solution["sid"]
    base = f"{emulator.base_url}/v1/Services"
    expected = {
        f"{base}": "services",
        f"{base}/{sid}/Documents": "documents",
        f"{base}/{sid}/Maps": "maps",
        f"{base}/{sid}/Lists": "lists",
        f"{base}/{sid}/Streams": "streams",
    }
    for url, key in expected.items():
        body = json.loads(client.request("GET", url).text)
        assert body["meta"]["key"] == key
        assert isinstance(body[key], list)


def test_error_body_shape(emulator, client):
    resp = client.request("GET", f"{emulator.base_url}/v1/Services/default/Documents/nothing")
    body = json.loads(resp.text)
    assert resp.status_code == 404
    assert set(body) == {"code", "message", "more_info", "status"}
    assert body["code"] == 20404 and body["status"] == 404
    assert body["more_info"] == "https://www.twilio.com/docs/errors/20404"
