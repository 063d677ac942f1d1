//! Sync Permissions over REST v1: update (create or replace), fetch, list with paging,
//! delete, bad input, and rows that go with their object. What they grant on the
//! realtime socket is tested in `realtime`.

use crate::support::{start_memory, Api};

async fn object(api: &Api, collection: &str, name: &str) -> String {
    let created = api
        .post(
            &format!("/v1/Services/default/{collection}"),
            &[("UniqueName", name)],
        )
        .await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.body);
    created.body["sid"].as_str().expect("sid").to_owned()
}

fn grant(read: bool, write: bool, manage: bool) -> [(&'static str, &'static str); 3] {
    let text = |b: bool| if b { "true" } else { "false" };
    [
        ("Read", text(read)),
        ("Write", text(write)),
        ("Manage", text(manage)),
    ]
}

#[tokio::test]
async fn permissions_are_set_fetched_listed_and_deleted_on_each_kind() {
    let (_emu, api) = start_memory().await;
    for (collection, sid_field) in [
        ("Documents", "document_sid"),
        ("Maps", "map_sid"),
        ("Lists", "list_sid"),
    ] {
        let sid = object(&api, collection, "shared").await;
        let path = format!("/v1/Services/default/{collection}/shared/Permissions");

        let set = api
            .post(&format!("{path}/alice"), &grant(true, false, false))
            .await;
        assert_eq!(set.status.as_u16(), 200, "{}", set.body);
        assert_eq!(set.body[sid_field], sid.as_str());
        assert_eq!(set.body["identity"], "alice");
        assert_eq!(
            (&set.body["read"], &set.body["write"], &set.body["manage"]),
            (&true.into(), &false.into(), &false.into())
        );
        assert!(set.body["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/{collection}/{sid}/Permissions/alice"))));

        // An update replaces all three flags.
        let replaced = api
            .post(&format!("{path}/alice"), &grant(false, true, true))
            .await;
        assert_eq!(replaced.status.as_u16(), 200);
        let fetched = api.get(&format!("{path}/alice")).await;
        assert_eq!(fetched.status.as_u16(), 200);
        assert_eq!(
            (
                &fetched.body["read"],
                &fetched.body["write"],
                &fetched.body["manage"]
            ),
            (&false.into(), &true.into(), &true.into())
        );

        // Listing pages by identity.
        for who in ["bob", "carol"] {
            let r = api
                .post(&format!("{path}/{who}"), &grant(true, true, false))
                .await;
            assert_eq!(r.status.as_u16(), 200);
        }
        let first = api.get(&format!("{path}?PageSize=2")).await;
        assert_eq!(first.body["meta"]["key"], "permissions");
        let names: Vec<&str> = first.body["permissions"]
            .as_array()
            .expect("permissions")
            .iter()
            .filter_map(|p| p["identity"].as_str())
            .collect();
        assert_eq!(names, ["alice", "bob"]);
        let next = first.body["meta"]["next_page_url"]
            .as_str()
            .expect("a next page")
            .strip_prefix(&api.base)
            .expect("same host")
            .to_owned();
        let second = api.get(&next).await;
        assert_eq!(second.body["permissions"][0]["identity"], "carol");
        assert!(second.body["meta"]["next_page_url"].is_null());

        // Delete: gone, and a second delete finds nothing.
        let deleted = api.delete(&format!("{path}/bob")).await;
        assert_eq!(deleted.status.as_u16(), 204);
        api.get(&format!("{path}/bob"))
            .await
            .assert_error(404, 20404);
        api.delete(&format!("{path}/bob"))
            .await
            .assert_error(404, 20404);
    }
}

#[tokio::test]
async fn bad_permission_requests_are_refused_and_change_nothing() {
    let (_emu, api) = start_memory().await;
    object(&api, "Maps", "m").await;
    let path = "/v1/Services/default/Maps/m/Permissions/alice";
    // Every flag is required, and must be a boolean.
    let missing = api.post(path, &[("Read", "true"), ("Write", "true")]).await;
    assert_eq!(missing.status.as_u16(), 400, "{}", missing.body);
    let bad = api
        .post(
            path,
            &[("Read", "yes"), ("Write", "true"), ("Manage", "true")],
        )
        .await;
    assert_eq!(bad.status.as_u16(), 400, "{}", bad.body);
    api.get(path).await.assert_error(404, 20404);
    // No such object; Streams have no permissions.
    api.post(
        "/v1/Services/default/Maps/nope/Permissions/alice",
        &grant(true, true, true),
    )
    .await
    .assert_error(404, 20404);
    object(&api, "Streams", "s").await;
    api.get("/v1/Services/default/Streams/s/Permissions")
        .await
        .assert_error(404, 20404);
}

#[tokio::test]
async fn permissions_go_with_their_object() {
    let (_emu, api) = start_memory().await;
    object(&api, "Lists", "l").await;
    let path = "/v1/Services/default/Lists/l/Permissions";
    assert_eq!(
        api.post(&format!("{path}/alice"), &grant(true, true, true))
            .await
            .status
            .as_u16(),
        200
    );
    assert_eq!(
        api.delete("/v1/Services/default/Lists/l")
            .await
            .status
            .as_u16(),
        204
    );
    object(&api, "Lists", "l").await;
    let listed = api.get(path).await;
    assert_eq!(listed.status.as_u16(), 200);
    assert_eq!(listed.body["permissions"], serde_json::json!([]));
}
