//! The REST surface over a real socket: shapes, identity, revisions, paging, auth, stats.

use crate::support::{start_memory, ACCOUNT};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn document_lifecycle_by_sid_and_unique_name() {
    let (emu, api) = start_memory().await;
    let created = api
        .post(
            "/v1/Services/default/Documents",
            &[("UniqueName", "call-1"), ("Data", r#"{"state":"ringing"}"#)],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let doc = &created.body;
    let sid = doc["sid"].as_str().expect("sid").to_owned();
    assert!(sid.starts_with("ET") && sid.len() == 34, "{sid}");
    assert_eq!(doc["unique_name"], "call-1");
    assert_eq!(doc["account_sid"], ACCOUNT);
    assert_eq!(doc["data"], json!({"state": "ringing"}));
    assert_eq!(doc["created_by"], "system");
    assert_eq!(doc["date_expires"], serde_json::Value::Null);
    let service_sid = doc["service_sid"].as_str().expect("service sid");
    assert!(service_sid.starts_with("IS"));
    assert_eq!(
        doc["url"],
        format!(
            "{}/v1/Services/{service_sid}/Documents/{sid}",
            emu.base_url()
        )
    );
    assert_eq!(
        doc["links"]["permissions"],
        format!(
            "{}/v1/Services/{service_sid}/Documents/{sid}/Permissions",
            emu.base_url()
        )
    );
    assert_eq!(created.etag.as_deref(), doc["revision"].as_str());

    // The same object by SID, by unique name, and through the service's SID.
    for path in [
        format!("/v1/Services/default/Documents/{sid}"),
        "/v1/Services/default/Documents/call-1".to_owned(),
        format!("/v1/Services/{service_sid}/Documents/call-1"),
    ] {
        let got = api.get(&path).await;
        assert_eq!(got.status, StatusCode::OK, "{path}");
        assert_eq!(got.body["sid"], sid.as_str());
    }

    // Whole-value update bumps the revision; a stale If-Match changes nothing.
    let rev0 = created.etag.expect("etag");
    let upd = api
        .post_if(
            "/v1/Services/default/Documents/call-1",
            &[("Data", r#"{"state":"answered"}"#)],
            &rev0,
        )
        .await;
    assert_eq!(upd.status, StatusCode::OK, "{}", upd.body);
    assert_eq!(upd.body["data"], json!({"state": "answered"}));
    assert_ne!(upd.etag.as_deref(), Some(rev0.as_str()));
    let stale = api
        .post_if(
            "/v1/Services/default/Documents/call-1",
            &[("Data", r#"{"state":"lost"}"#)],
            &rev0,
        )
        .await;
    stale.assert_error(412, 54103);
    let now = api.get("/v1/Services/default/Documents/call-1").await;
    assert_eq!(now.body["data"], json!({"state": "answered"}));

    // Delete with a stale If-Match is refused, then a plain delete works.
    let refused = api
        .send(
            reqwest::Method::DELETE,
            "/v1/Services/default/Documents/call-1",
            &[],
            Some(&rev0),
        )
        .await;
    refused.assert_error(412, 54103);
    let deleted = api.delete("/v1/Services/default/Documents/call-1").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    api.get(&format!("/v1/Services/default/Documents/{sid}"))
        .await
        .assert_error(404, 20404);
    emu.shutdown().await;
}

#[tokio::test]
async fn duplicate_unique_name_is_409_per_kind() {
    let (_emu, api) = start_memory().await;
    let path = "/v1/Services/default/Documents";
    assert_eq!(api.post(path, &[("UniqueName", "x")]).await.status, 201);
    api.post(path, &[("UniqueName", "x")])
        .await
        .assert_error(409, 54301);
    // A map may share the name: uniqueness is per kind.
    let m = api
        .post("/v1/Services/default/Maps", &[("UniqueName", "x")])
        .await;
    assert_eq!(m.status, StatusCode::CREATED);
}

#[tokio::test]
async fn map_items_keys_order_and_conflicts() {
    let (_emu, api) = start_memory().await;
    let map = api
        .post("/v1/Services/default/Maps", &[("UniqueName", "calls")])
        .await;
    assert!(map.body["sid"]
        .as_str()
        .is_some_and(|s| s.starts_with("MP")));
    let items = "/v1/Services/default/Maps/calls/Items";
    for key in ["b", "a/b c", "c?x", "é"] {
        let r = api
            .post(items, &[("Key", key), ("Data", r#"{"k":1}"#)])
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{key}: {}", r.body);
        assert_eq!(r.body["key"], key);
    }
    api.post(items, &[("Key", "b"), ("Data", "{}")])
        .await
        .assert_error(409, 54208);

    // Keys with reserved characters are addressable percent-encoded.
    let got = api.get(&format!("{items}/a%2Fb%20c")).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert_eq!(got.body["key"], "a/b c");
    assert!(got.body["url"]
        .as_str()
        .is_some_and(|u| u.ends_with("/Items/a%2Fb%20c")));

    let listed = api.get(items).await;
    let keys: Vec<_> = listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["key"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(keys, ["a/b c", "b", "c?x", "é"]);
    assert_eq!(listed.body["meta"]["key"], "items");

    let desc = api
        .get(&format!("{items}?Order=desc&From=c%3Fx&Bounds=exclusive"))
        .await;
    let keys: Vec<_> = desc.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["key"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(keys, ["b", "a/b c"]);

    // Item revision mismatch uses the Map Item code.
    let b = api.get(&format!("{items}/b")).await;
    let rev = b.etag.expect("etag");
    assert_eq!(
        api.post_if(&format!("{items}/b"), &[("Data", r#"{"v":2}"#)], &rev)
            .await
            .status,
        StatusCode::OK
    );
    api.post_if(&format!("{items}/b"), &[("Data", r#"{"v":3}"#)], &rev)
        .await
        .assert_error(412, 54205);
}

#[tokio::test]
async fn list_indexes_increase_and_are_never_reused() {
    let (_emu, api) = start_memory().await;
    let list = api.post("/v1/Services/default/Lists", &[]).await;
    let sid = list.body["sid"].as_str().expect("sid").to_owned();
    assert!(sid.starts_with("ES"));
    let items = format!("/v1/Services/default/Lists/{sid}/Items");
    let mut idx = Vec::new();
    for n in 0..3 {
        let r = api
            .post(&items, &[("Data", &format!(r#"{{"n":{n}}}"#))])
            .await;
        idx.push(r.body["index"].as_i64().expect("index"));
    }
    assert_eq!(idx, [0, 1, 2]);
    assert_eq!(
        api.delete(&format!("{items}/2")).await.status,
        StatusCode::NO_CONTENT
    );
    let next = api.post(&items, &[("Data", "{}")]).await;
    assert_eq!(next.body["index"], 3, "a deleted index is not reused");
    let r = api.get(&format!("{items}/1")).await;
    assert_eq!(r.body["list_sid"], sid.as_str());
    api.post_if(&format!("{items}/1"), &[("Data", "{}")], "ffff")
        .await
        .assert_error(412, 54155);
    api.get(&format!("{items}/not-a-number"))
        .await
        .assert_error(404, 20404);
}

#[tokio::test]
async fn paging_walks_forward_and_back_with_absolute_urls() {
    let (emu, api) = start_memory().await;
    let mut sids = Vec::new();
    for _ in 0..5 {
        let r = api.post("/v1/Services/default/Documents", &[]).await;
        sids.push(r.body["sid"].as_str().expect("sid").to_owned());
    }
    let mut seen = Vec::new();
    let mut url = api.url("/v1/Services/default/Documents?PageSize=2");
    let mut pages = 0;
    let last_page = loop {
        let resp = api
            .http
            .get(&url)
            .basic_auth(crate::support::ACCOUNT, Some(crate::support::TOKEN))
            .send()
            .await
            .expect("page");
        let page = crate::support::reply(resp).await;
        assert_eq!(page.body["meta"]["key"], "documents");
        assert_eq!(page.body["meta"]["page"], pages);
        assert_eq!(page.body["meta"]["page_size"], 2);
        for d in page.body["documents"].as_array().expect("documents") {
            seen.push(d["sid"].as_str().expect("sid").to_owned());
        }
        pages += 1;
        match page.body["meta"]["next_page_url"].as_str() {
            Some(next) => {
                assert!(next.starts_with(&emu.base_url()), "{next}");
                url = next.to_owned();
            }
            None => break page.body,
        }
        assert!(pages < 10, "paging must end");
    };
    assert_eq!(seen, sids);
    assert_eq!(pages, 3);
    let prev = last_page["meta"]["previous_page_url"]
        .as_str()
        .expect("previous");
    let resp = api
        .http
        .get(prev)
        .basic_auth(crate::support::ACCOUNT, Some(crate::support::TOKEN))
        .send()
        .await
        .expect("prev page");
    let back = crate::support::reply(resp).await;
    let back_sids: Vec<_> = back.body["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| d["sid"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(back_sids, sids[2..4]);
}

#[tokio::test]
async fn services_default_exists_and_crud_works() {
    let (_emu, api) = start_memory().await;
    let default = api.get("/v1/Services/default").await;
    assert_eq!(default.status, StatusCode::OK);
    assert_eq!(default.body["unique_name"], "default");
    let sid = default.body["sid"].as_str().expect("sid").to_owned();
    assert_eq!(
        api.get(&format!("/v1/Services/{sid}")).await.body["sid"],
        sid.as_str()
    );

    let created = api
        .post(
            "/v1/Services",
            &[("FriendlyName", "calls"), ("AclEnabled", "true")],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.body["acl_enabled"], true);
    let new_sid = created.body["sid"].as_str().expect("sid").to_owned();
    let upd = api
        .post(
            &format!("/v1/Services/{new_sid}"),
            &[("FriendlyName", "renamed")],
        )
        .await;
    assert_eq!(upd.body["friendly_name"], "renamed");
    let listed = api.get("/v1/Services").await;
    assert_eq!(listed.body["services"].as_array().map(Vec::len), Some(2));
    // Objects live per service.
    api.post(
        &format!("/v1/Services/{new_sid}/Documents"),
        &[("UniqueName", "d")],
    )
    .await;
    api.get("/v1/Services/default/Documents/d")
        .await
        .assert_error(404, 20404);
    assert_eq!(
        api.delete(&format!("/v1/Services/{new_sid}")).await.status,
        StatusCode::NO_CONTENT
    );
    api.get(&format!("/v1/Services/{new_sid}/Documents/d"))
        .await
        .assert_error(404, 20404);
    assert!(api
        .delete("/v1/Services/default")
        .await
        .status
        .is_client_error());
    assert_eq!(api.get("/v1/Services/default").await.status, StatusCode::OK);
}

#[tokio::test]
async fn streams_publish_messages() {
    let (_emu, api) = start_memory().await;
    let s = api
        .post("/v1/Services/default/Streams", &[("UniqueName", "events")])
        .await;
    assert!(s.body["sid"].as_str().is_some_and(|x| x.starts_with("TO")));
    assert!(s.body["links"]["messages"]
        .as_str()
        .is_some_and(|u| u.ends_with("/Messages")));
    let m = api
        .post(
            "/v1/Services/default/Streams/events/Messages",
            &[("Data", r#"{"hello":"world"}"#)],
        )
        .await;
    assert_eq!(m.status, StatusCode::CREATED);
    assert!(m.body["sid"].as_str().is_some_and(|x| x.starts_with("TZ")));
    assert_eq!(m.body["data"], json!({"hello": "world"}));
    api.post(
        "/v1/Services/default/Streams/missing/Messages",
        &[("Data", "{}")],
    )
    .await
    .assert_error(404, 20404);
}

#[tokio::test]
async fn auth_is_required_and_stats_count_sync_requests() {
    let (emu, api) = start_memory().await;
    let anon = crate::support::reply(
        api.http
            .get(api.url("/v1/Services/default"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    anon.assert_error(401, 20003);
    let challenge = api
        .http
        .get(api.url("/v1/Services/default"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        challenge
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Basic realm=\"Twilio API\"")
    );
    let wrong = crate::support::reply(
        api.http
            .get(api.url("/v1/Services/default"))
            .basic_auth(ACCOUNT, Some("wrong"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    wrong.assert_error(401, 20003);

    api.get("/v1/Services/default").await;
    api.post("/v1/Services/default/Documents", &[]).await;
    api.post("/v1/Services/default/Documents", &[]).await;
    let stats = api.get("/_emulator/stats").await;
    assert_eq!(stats.body["requests"], 3, "{}", stats.body);
    assert_eq!(stats.body["by_method"]["POST"], 2);
    assert_eq!(stats.body["by_method"]["GET"], 1);
    assert_eq!(emu.request_count(), 3);
    assert_eq!(
        api.delete("/_emulator/stats").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(api.get("/_emulator/stats").await.body["requests"], 0);
}
