//! Bad input of every kind gets a 4xx with a Twilio error body, never a 500 or a panic.

use crate::support::{reply, start_memory, Api, Reply, ACCOUNT, TOKEN};
use proptest::prelude::*;
use reqwest::{Method, StatusCode};

async fn raw(api: &Api, method: Method, path_and_query: &str, body: Vec<u8>) -> Reply {
    let req = api
        .http
        .request(method, api.url(path_and_query))
        .basic_auth(ACCOUNT, Some(TOKEN))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body);
    reply(req.send().await.expect("sent")).await
}

async fn setup(api: &Api) {
    api.post("/v1/Services/default/Documents", &[("UniqueName", "doc")])
        .await;
    api.post("/v1/Services/default/Maps", &[("UniqueName", "map")])
        .await;
    api.post("/v1/Services/default/Lists", &[("UniqueName", "list")])
        .await;
    api.post("/v1/Services/default/Streams", &[("UniqueName", "stream")])
        .await;
}

#[tokio::test]
async fn malformed_forms_and_bad_data() {
    let (_emu, api) = start_memory().await;
    setup(&api).await;
    let doc = "/v1/Services/default/Documents/doc";
    raw(&api, Method::POST, doc, b"Data=%7".to_vec())
        .await
        .assert_error(400, 20001);
    raw(&api, Method::POST, doc, b"Data=%zz%7B%7D".to_vec())
        .await
        .assert_error(400, 20001);
    api.post(doc, &[("Data", "{not json")])
        .await
        .assert_error(400, 54008);
    api.post(doc, &[("Data", "[1,2]")])
        .await
        .assert_error(400, 54008);
    api.post(doc, &[("Data", "\"text\"")])
        .await
        .assert_error(400, 54008);
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(5000), "]".repeat(5000));
    api.post(doc, &[("Data", &deep)])
        .await
        .assert_error(400, 54008);
    let big = format!(r#"{{"a":"{}"}}"#, "x".repeat(16 * 1024));
    api.post(doc, &[("Data", &big)])
        .await
        .assert_error(413, 54006);
    // Nothing above changed the document.
    assert_eq!(api.get(doc).await.body["revision"], "0");

    let items = "/v1/Services/default/Maps/map/Items";
    api.post(items, &[("Data", "{}")])
        .await
        .assert_error(400, 20001);
    api.post(items, &[("Key", "k")])
        .await
        .assert_error(400, 20001);
    api.post(items, &[("Key", ""), ("Data", "{}")])
        .await
        .assert_error(400, 54209);
    api.post(items, &[("Key", &"k".repeat(321)), ("Data", "{}")])
        .await
        .assert_error(400, 54209);
    api.post("/v1/Services/default/Lists/list/Items", &[])
        .await
        .assert_error(400, 20001);
    api.post(
        "/v1/Services/default/Documents",
        &[("UniqueName", "ET0123456789abcdef0123456789abcdef")],
    )
    .await
    .assert_error(400, 20001);
    api.post("/v1/Services", &[("AclEnabled", "maybe")])
        .await
        .assert_error(400, 20001);
    api.post("/v1/Services/default/Streams/stream/Messages", &[])
        .await
        .assert_error(400, 20001);
}

#[tokio::test]
async fn unknown_parameters_are_ignored_like_twilio_does() {
    let (_emu, api) = start_memory().await;
    let r = api
        .post(
            "/v1/Services/default/Documents",
            &[
                ("Data", r#"{"a":1}"#),
                ("Colour", "blue"),
                ("data", "lowercase is another name"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["data"], serde_json::json!({"a": 1}));
    assert!(r.body.get("colour").is_none());
}

#[tokio::test]
async fn huge_bodies_are_413() {
    let (_emu, api) = start_memory().await;
    let body = vec![b'a'; 1024 * 1024];
    raw(&api, Method::POST, "/v1/Services/default/Documents", body)
        .await
        .assert_error(413, 20413);
    // Without a Content-Length (chunked), the cap still holds. Written by hand on a raw
    // socket so the body really is chunked.
    use base64::Engine;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = api.base.trim_start_matches("http://").to_owned();
    let mut sock = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT}:{TOKEN}"));
    let head = format!(
        "POST /v1/Services/default/Documents HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Basic {auth}\r\nTransfer-Encoding: chunked\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\r\n"
    );
    sock.write_all(head.as_bytes()).await.expect("head");
    let chunk = format!("1000\r\n{}\r\n", "b".repeat(4096));
    for _ in 0..40 {
        if sock.write_all(chunk.as_bytes()).await.is_err() {
            break; // the server may answer and close before reading everything
        }
    }
    let _ = sock.write_all(b"0\r\n\r\n").await;
    let mut resp = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        sock.read_to_end(&mut resp),
    )
    .await;
    let text = String::from_utf8_lossy(&resp);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("\"code\":20413"), "{text}");
}

#[tokio::test]
async fn bad_sids_paths_and_queries() {
    let (_emu, api) = start_memory().await;
    setup(&api).await;
    for path in [
        "/v1/Services/ISnothex/Documents/doc",
        "/v1/Services/IS00000000000000000000000000000000/Documents",
        "/v1/Services/default/Documents/ET00000000000000000000000000000000",
        "/v1/Services/default/Documents/ETshort",
        "/v1/Services/default/Maps/MPxyz/Items/k",
        "/v1/Services/default/Lists/list/Items/-1",
        "/v1/Services/default/Lists/list/Items/99999999999999999999999",
        "/v1/Services/default/Lists/list/Items/1.5",
        "/v1/Services/default/Documents/doc/Permissions/nobody",
        "/v1/Services/default/Documents/nodoc/Permissions",
        "/v1/Nope",
        "/",
    ] {
        api.get(path).await.assert_error(404, 20404);
    }
    for query in [
        "PageSize=0",
        "PageSize=abc",
        "PageSize=-5",
        "Page=-1",
        "PageToken=garbage",
        "PageToken=PTAi7a",
        "PageToken=PTAs%FF",
        "Data=%FF",
    ] {
        api.get(&format!("/v1/Services/default/Documents?{query}"))
            .await
            .assert_error(400, 20001);
    }
    api.get("/v1/Services/default/Maps/map/Items?Order=sideways")
        .await
        .assert_error(400, 20001);
    api.get("/v1/Services/default/Maps/map/Items?Bounds=maybe")
        .await
        .assert_error(400, 20001);
    api.get("/v1/Services/default/Lists/list/Items?From=abc")
        .await
        .assert_error(400, 20001);
    raw(
        &api,
        Method::PUT,
        "/v1/Services/default/Documents/doc",
        vec![],
    )
    .await
    .assert_error(405, 20004);
}

#[tokio::test]
async fn non_utf8_anywhere_is_400() {
    let (_emu, api) = start_memory().await;
    setup(&api).await;
    raw(
        &api,
        Method::POST,
        "/v1/Services/default/Documents",
        b"Data=%FF%FE".to_vec(),
    )
    .await
    .assert_error(400, 20001);
    raw(
        &api,
        Method::POST,
        "/v1/Services/default/Documents",
        vec![b'D', b'=', 0xff],
    )
    .await
    .assert_error(400, 20001);
    api.get("/v1/Services/default/Documents/%FF%FE")
        .await
        .assert_error(400, 20001);
    let resp = api
        .http
        .post(api.url("/v1/Services/default/Documents/doc"))
        .basic_auth(ACCOUNT, Some(TOKEN))
        .header(
            "If-Match",
            reqwest::header::HeaderValue::from_bytes(&[0xC3, 0xA9]).expect("opaque header"),
        )
        .form(&[("Data", "{}")])
        .send()
        .await
        .expect("sent");
    reply(resp).await.assert_error(400, 20001);
    let resp = api
        .http
        .get(api.url("/v1/Services/default"))
        .header(
            "Authorization",
            reqwest::header::HeaderValue::from_bytes(b"Basic \xff\xfe").expect("opaque header"),
        )
        .send()
        .await
        .expect("sent");
    reply(resp).await.assert_error(401, 20003);
    let resp = api
        .http
        .get(api.url("/v1/Services/default"))
        .header("Authorization", "Basic !!!not-base64")
        .send()
        .await
        .expect("sent");
    reply(resp).await.assert_error(401, 20003);
}

const PATHS: &[&str] = &[
    "/v1/Services",
    "/v1/Services/default",
    "/v1/Services/default/Documents",
    "/v1/Services/default/Documents/doc",
    "/v1/Services/default/Maps/map",
    "/v1/Services/default/Maps/map/Items",
    "/v1/Services/default/Maps/map/Items/k",
    "/v1/Services/default/Lists/list/Items",
    "/v1/Services/default/Lists/list/Items/0",
    "/v1/Services/default/Streams/stream/Messages",
];

#[test]
fn random_bodies_and_queries_never_5xx() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (emu, api) = rt.block_on(async {
        let (emu, api) = start_memory().await;
        setup(&api).await;
        api.post(
            "/v1/Services/default/Maps/map/Items",
            &[("Key", "k"), ("Data", "{}")],
        )
        .await;
        (emu, api)
    });
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    });
    let strategy = (
        0..PATHS.len(),
        prop_oneof![Just(Method::GET), Just(Method::POST), Just(Method::DELETE)],
        proptest::collection::vec(any::<u8>(), 0..300),
        "[A-Za-z%=&0-9{}\\[\\]\":,+-]{0,80}",
    );
    runner
        .run(&strategy, |(p, method, body, query)| {
            let r = rt.block_on(async {
                let mut body = body;
                // Half the cases get a plausible form body with a random tail.
                if query.len() % 2 == 0 {
                    body = format!("Data={query}&Ttl={}&Key=", query.len()).into_bytes();
                }
                let req = api
                    .http
                    .request(method, format!("{}?{query}", api.url(PATHS[p])))
                    .basic_auth(ACCOUNT, Some(TOKEN))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(body);
                reply(req.send().await.expect("sent")).await
            });
            prop_assert!(r.status.as_u16() < 500, "{} -> {}", r.status, r.body);
            if r.status.is_client_error() {
                prop_assert!(r.body["code"].is_u64() && r.body["more_info"].is_string());
            }
            Ok(())
        })
        .expect("no input makes the emulator fail");
    rt.block_on(emu.shutdown());
}
