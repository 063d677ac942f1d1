//! The realtime face on loopback: a small twilsock client (tokio-tungstenite) drives
//! `/v3/wsconnect` of a real emulator: token checks, CDS requests, subscriptions, events
//! from socket and REST writes and TTL expiry, replay after a restart, bad frames.

use std::collections::VecDeque;
use std::time::Duration;

use crate::support::{start, Api, ACCOUNT, TOKEN};
use futures_util::{SinkExt, StreamExt};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Map, Value};
use sync_emulator::realtime::frame::Frame;
use sync_emulator::{Clock, EmulatorConfig, RunningEmulator};
use tokio_tungstenite::tungstenite::Message;

const KEY_SID: &str = "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const KEY_SECRET: &str = "realtime-key-secret";

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn config() -> EmulatorConfig {
    let mut c = EmulatorConfig::in_memory(ACCOUNT, TOKEN);
    c.api_keys = vec![(KEY_SID.to_owned(), KEY_SECRET.to_owned())];
    c
}

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// What twilio-python's `AccessToken` + `SyncGrant` builds.
fn token_with(secret: &str, service: &str, exp: i64) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.cty = Some("twilio-fpa;v=1".into());
    let claims = json!({
        "jti": format!("{KEY_SID}-{}", now_s()),
        "iss": KEY_SID,
        "sub": ACCOUNT,
        "exp": exp,
        "grants": {"identity": "agent-1", "data_sync": {"service_sid": service}},
    });
    encode(
        &header,
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()).expect("key"),
    )
    .expect("token")
}

fn good_token() -> String {
    token_with(KEY_SECRET, "default", now_s() + 3600)
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A minimal twilsock client: frames in and out, acks notifications, keeps the ones not
/// yet asked for.
struct Client {
    ws: Ws,
    next: u64,
    notifications: VecDeque<(String, Value)>,
}

impl Client {
    async fn connect(emu: &RunningEmulator) -> Client {
        let url = format!("ws://{}/v3/wsconnect", emu.addr());
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("ws connects");
        Client {
            ws,
            next: 0,
            notifications: VecDeque::new(),
        }
    }

    async fn connected(emu: &RunningEmulator) -> Client {
        let mut c = Client::connect(emu).await;
        let reply = c.init(&good_token()).await;
        assert_eq!(reply.header["status"]["code"], 200, "{:?}", reply.header);
        c
    }

    async fn send(&mut self, mut header: Map<String, Value>, payload: Option<&Value>) -> String {
        self.next += 1;
        let id = format!("TMtest{}", self.next);
        header.insert("id".into(), json!(id));
        let f = Frame {
            header,
            payload: payload
                .map(|p| p.to_string().into_bytes())
                .unwrap_or_default(),
        };
        self.ws
            .send(Message::Binary(f.encode().into()))
            .await
            .expect("frame sent");
        id
    }

    /// The next frame, or None when the server closed the socket.
    async fn recv(&mut self) -> Option<Frame> {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(5), self.ws.next())
                .await
                .expect("a frame within 5 s")?;
            match msg.ok()? {
                Message::Binary(b) => return Some(Frame::parse(&b).expect("server frame parses")),
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// Waits for the reply to `id`, keeping notifications for later.
    async fn reply_to(&mut self, id: &str) -> Frame {
        loop {
            let f = self.recv().await.expect("socket open");
            match f.method() {
                Some("reply") if f.id() == Some(id) => return f,
                Some("notification") => {
                    let ack = obj(json!({"method": "reply", "id": f.id()}));
                    self.send(ack, None).await;
                    let t = f.header["message_type"].as_str().unwrap_or("").to_owned();
                    self.notifications
                        .push_back((t, f.json_payload().expect("json payload")));
                }
                _ => {}
            }
        }
    }

    async fn init(&mut self, token: &str) -> Frame {
        let h = obj(json!({
            "method": "init", "token": token, "continuation_token": null,
            "capabilities": ["client_update", "offline_storage", "telemetry.v1"],
            "registrations": [{"product": "data_sync", "type": "ers",
                               "notification_protocol_version": 0, "message_types": []}],
        }));
        let id = self.send(h, None).await;
        self.reply_to(&id).await
    }

    /// A CDS request; returns the HTTP status and body.
    async fn request(
        &mut self,
        method: &str,
        path: &str,
        params: Value,
        if_match: Option<&str>,
        body: Option<Value>,
    ) -> (u64, Value) {
        let mut headers = json!({"Content-Type": "application/json"});
        if let Some(m) = if_match {
            headers["If-Match"] = json!(m);
        }
        let h = obj(json!({
            "method": "message", "active_grant": "data_sync", "payload_type": "application/json",
            "http_request": {"host": "cds.us1.twilio.com", "path": path, "method": method,
                             "params": params, "headers": headers},
        }));
        let id = self.send(h, body.as_ref()).await;
        let f = self.reply_to(&id).await;
        assert_eq!(f.header["status"]["code"], 200, "{:?}", f.header);
        let code = f.header["http_status"]["code"]
            .as_u64()
            .expect("http_status");
        (code, f.json_payload().expect("json"))
    }

    async fn subscribe(&mut self, sid: &str, kind: &str, last: Value) -> (u64, Value) {
        let body = json!({
            "event_protocol_version": 4, "action": "establish", "correlation_id": 7,
            "retried_requests": 0, "ttl_in_s": -1,
            "requests": [{"object_sid": sid, "object_type": kind, "last_event_id": last}],
        });
        self.request("POST", "/v4/Subscriptions", json!({}), None, Some(body))
            .await
    }

    /// The next notification, within `within`.
    async fn notification(&mut self, within: Duration) -> (String, Value) {
        if let Some(n) = self.notifications.pop_front() {
            return n;
        }
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let f = tokio::time::timeout_at(deadline, self.recv())
                .await
                .expect("a notification in time")
                .expect("socket open");
            if f.method() == Some("notification") {
                let ack = obj(json!({"method": "reply", "id": f.id()}));
                self.send(ack, None).await;
                let t = f.header["message_type"].as_str().unwrap_or("").to_owned();
                return (t, f.json_payload().expect("json payload"));
            }
        }
    }

    /// Subscribes and returns the replayed events, up to `subscription_established`.
    async fn subscribe_and_replay(
        &mut self,
        sid: &str,
        kind: &str,
        last: Value,
    ) -> (Vec<Value>, Value) {
        let (code, body) = self.subscribe(sid, kind, last).await;
        assert_eq!(code, 200, "{body}");
        assert!(body["estimated_delivery_in_ms"]
            .as_u64()
            .is_some_and(|n| n > 0));
        let mut replayed = Vec::new();
        loop {
            let (t, p) = self.notification(Duration::from_secs(2)).await;
            assert_eq!(t, "twilio.sync.event");
            assert_eq!(p["correlation_id"], 7, "{p}");
            if p["event_type"] == "subscription_established" {
                assert_eq!(p["event"]["replay_status"], "completed");
                return (replayed, p["event"].clone());
            }
            replayed.push(p);
        }
    }
}

#[tokio::test]
async fn documents_over_the_socket_and_events_from_socket_and_rest_writes() {
    let (emu, api) = start(config()).await;
    let mut a = Client::connected(&emu).await;
    let mut b = Client::connected(&emu).await;

    let (code, doc) = a
        .request(
            "POST",
            "/v3/Documents",
            json!({}),
            None,
            Some(json!({"unique_name": "call-1", "data": {"stage": "menu"}, "ttl": 600})),
        )
        .await;
    assert_eq!(code, 201, "{doc}");
    let sid = doc["sid"].as_str().expect("sid").to_owned();
    assert_eq!(doc["last_event_id"], 0);
    assert_eq!(doc["data"], json!({"stage": "menu"}));
    assert!(doc["date_expires"].is_string());
    assert_eq!(
        doc["url"],
        format!("https://cds.us1.twilio.com/v3/Documents/{sid}")
    );

    // Open by unique name, as open_or_create does; a second create is a 409.
    let (code, got) = b
        .request("GET", "/v3/Documents/call-1", json!({}), None, None)
        .await;
    assert_eq!((code, got["sid"].clone()), (200, json!(sid)));
    let (code, dup) = b
        .request(
            "POST",
            "/v3/Documents",
            json!({}),
            None,
            Some(json!({"unique_name": "call-1"})),
        )
        .await;
    assert_eq!((code, dup["code"].clone()), (409, json!(54301)));

    let (replayed, est) = b.subscribe_and_replay(&sid, "document", json!(0)).await;
    assert!(replayed.is_empty());
    assert_eq!(est["last_event_id"], 0);

    // A socket write with If-Match: the event reaches the other client.
    let (code, upd) = a
        .request(
            "POST",
            &format!("/v3/Documents/{sid}"),
            json!({}),
            Some(doc["revision"].as_str().unwrap_or("")),
            Some(json!({"data": {"stage": "queue"}})),
        )
        .await;
    assert_eq!(code, 200, "{upd}");
    assert_eq!(upd["last_event_id"], 1);
    let (t, p) = b.notification(Duration::from_secs(1)).await;
    assert_eq!(t, "com.twilio.rtd.cds.document");
    assert_eq!(p["event_type"], "document_updated");
    assert_eq!(p["event"]["id"], 1);
    assert_eq!(p["event"]["document_sid"], json!(sid));
    assert_eq!(p["event"]["document_data"], json!({"stage": "queue"}));
    assert_eq!(p["event"]["document_revision"], upd["revision"]);

    // A stale If-Match is refused with Twilio's code, and produces no event.
    let (code, err) = a
        .request(
            "POST",
            &format!("/v3/Documents/{sid}"),
            json!({}),
            Some("0"),
            Some(json!({"data": {"stage": "lost"}})),
        )
        .await;
    assert_eq!((code, err["code"].clone()), (412, json!(54103)));

    // A REST v1 write (what the functions do) is the next event, with the next id.
    let r = api
        .post(
            &format!("/v1/Services/default/Documents/{sid}"),
            &[("Data", r#"{"stage":"agent"}"#)],
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    let (_, p) = b.notification(Duration::from_secs(1)).await;
    assert_eq!(p["event"]["id"], 2);
    assert_eq!(p["event"]["document_data"], json!({"stage": "agent"}));

    // Deleting it over REST: the subscriber is told.
    let r = api
        .delete(&format!("/v1/Services/default/Documents/{sid}"))
        .await;
    assert_eq!(r.status.as_u16(), 204);
    let (_, p) = b.notification(Duration::from_secs(1)).await;
    assert_eq!(p["event_type"], "document_removed");
    assert_eq!(p["event"]["id"], 3);
    let (code, _) = a
        .request(
            "GET",
            &format!("/v3/Documents/{sid}"),
            json!({}),
            None,
            None,
        )
        .await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn map_items_page_both_ways_and_expiry_is_an_event() {
    let clock = Clock::manual_now();
    let (emu, _api) = start(config().clock(clock.clone())).await;
    let mut a = Client::connected(&emu).await;
    let mut b = Client::connected(&emu).await;
    let (code, map) = a
        .request(
            "POST",
            "/v3/Maps",
            json!({}),
            None,
            Some(json!({"unique_name": "user-presence"})),
        )
        .await;
    assert_eq!(code, 201, "{map}");
    let sid = map["sid"].as_str().expect("sid").to_owned();
    let items = map["links"]["items"]
        .as_str()
        .expect("links.items")
        .to_owned();
    assert!(items.ends_with("/Items"));
    let (_, est) = b.subscribe_and_replay(&sid, "map", json!(0)).await;
    assert_eq!(est["last_event_id"], 0);

    let path = format!("/v3/Maps/{sid}/Items");
    for key in ["a", "b c", "d", "e"] {
        let (code, item) = a
            .request(
                "PUT",
                &format!("{path}/{}", key.replace(' ', "%20")),
                json!({}),
                None,
                Some(json!({"data": {"k": key}})),
            )
            .await;
        assert_eq!(code, 201, "{item}");
        assert_eq!(item["key"], key);
        let (t, p) = b.notification(Duration::from_secs(1)).await;
        assert_eq!(t, "com.twilio.rtd.cds.map");
        assert_eq!(p["event_type"], "map_item_added");
        assert_eq!(p["event"]["item_key"], key);
        assert_eq!(p["event"]["item_url"], item["url"]);
    }
    // If-Match -1 only creates.
    let (code, err) = a
        .request(
            "PUT",
            &format!("{path}/a"),
            json!({}),
            Some("-1"),
            Some(json!({"data": {"k": 0}})),
        )
        .await;
    assert_eq!((code, err["code"].clone()), (412, json!(54205)));

    // Paging as the client does it: From (inclusive), PageSize, Order; tokens say more.
    let (_, page) = a
        .request(
            "GET",
            &path,
            json!({"HideExpired": "true", "PageSize": "2", "Order": "asc"}),
            None,
            None,
        )
        .await;
    let keys: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["key"].as_str())
        .collect();
    assert_eq!(keys, ["a", "b c"]);
    assert!(page["meta"]["previous_token"].is_null());
    assert!(page["meta"]["next_token"].is_string());
    let (_, page) = a
        .request(
            "GET",
            &path,
            json!({"From": "b%20c", "PageSize": "3", "Order": "asc"}),
            None,
            None,
        )
        .await;
    let keys: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["key"].as_str())
        .collect();
    assert_eq!(keys, ["b c", "d", "e"]);
    assert!(page["meta"]["previous_token"].is_string());
    assert!(page["meta"]["next_token"].is_null());
    let (_, page) = a
        .request(
            "GET",
            &path,
            json!({"PageSize": "3", "Order": "desc"}),
            None,
            None,
        )
        .await;
    let keys: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["key"].as_str())
        .collect();
    assert_eq!(keys, ["e", "d", "b c"]);
    assert!(page["meta"]["next_token"].is_string());
    let (_, one) = a
        .request("GET", &path, json!({"Key": "d"}), None, None)
        .await;
    assert_eq!(one["items"][0]["data"], json!({"k": "d"}));
    assert!(one["items"][0]["last_event_id"]
        .as_i64()
        .is_some_and(|n| n > 0));

    // An item with a TTL: when the clock passes it, subscribers see it removed.
    let (code, _) = a
        .request(
            "PUT",
            &format!("{path}/beat"),
            json!({}),
            None,
            Some(json!({"data": {"s": "online"}, "ttl": 30})),
        )
        .await;
    assert_eq!(code, 201);
    let (_, p) = b.notification(Duration::from_secs(1)).await;
    assert_eq!(p["event_type"], "map_item_added");
    clock.advance(Duration::from_secs(31));
    let (_, p) = b.notification(Duration::from_secs(2)).await;
    assert_eq!(p["event_type"], "map_item_removed");
    assert_eq!(p["event"]["item_key"], "beat");
    assert_eq!(p["event"]["item_data"], json!({"s": "online"}));

    // Deleting an item answers with the event id the client records.
    let (code, del) = a
        .request("DELETE", &format!("{path}/a"), json!({}), None, None)
        .await;
    assert_eq!(code, 200);
    let (_, p) = b.notification(Duration::from_secs(1)).await;
    assert_eq!(p["event"]["id"], del["last_event_id"]);
}

#[tokio::test]
async fn lists_and_streams() {
    let (emu, api) = start(config()).await;
    let mut a = Client::connected(&emu).await;
    let mut b = Client::connected(&emu).await;
    let (code, list) = a
        .request(
            "POST",
            "/v3/Lists",
            json!({}),
            None,
            Some(json!({"unique_name": "log"})),
        )
        .await;
    assert_eq!(code, 201, "{list}");
    let lsid = list["sid"].as_str().expect("sid").to_owned();
    b.subscribe_and_replay(&lsid, "list", json!(0)).await;
    let (code, item) = a
        .request(
            "POST",
            &format!("/v3/Lists/{lsid}/Items"),
            json!({}),
            None,
            Some(json!({"data": {"n": 1}})),
        )
        .await;
    assert_eq!((code, item["index"].clone()), (201, json!(0)));
    let (_, p) = b.notification(Duration::from_secs(1)).await;
    assert_eq!(p["event_type"], "list_item_added");
    assert_eq!(p["event"]["item_index"], 0);
    assert_eq!(p["event"]["list_sid"], json!(lsid));
    let (code, _) = a
        .request(
            "POST",
            &format!("/v3/Lists/{lsid}/Items/0"),
            json!({}),
            Some("0"),
            Some(json!({"data": {"n": 2}})),
        )
        .await;
    assert_eq!(code, 200);
    let (_, p) = b.notification(Duration::from_secs(1)).await;
    assert_eq!(p["event_type"], "list_item_updated");
    assert_eq!(p["event"]["item_data"], json!({"n": 2}));

    let (code, stream) = a
        .request(
            "POST",
            "/v3/Streams",
            json!({}),
            None,
            Some(json!({"unique_name": "alerts"})),
        )
        .await;
    assert_eq!(code, 201, "{stream}");
    let ssid = stream["sid"].as_str().expect("sid").to_owned();
    b.subscribe_and_replay(&ssid, "stream", Value::Null).await;
    let (code, msg) = a
        .request(
            "POST",
            &format!("/v3/Streams/{ssid}/Messages"),
            json!({}),
            None,
            Some(json!({"data": {"alert": 1}})),
        )
        .await;
    assert_eq!(code, 201, "{msg}");
    let (t, p) = b.notification(Duration::from_secs(1)).await;
    assert_eq!(t, "twilio.sync.event");
    assert_eq!(p["event_type"], "stream_message_published");
    assert_eq!(p["event"]["message_sid"], msg["sid"]);
    assert_eq!(p["event"]["message_data"], json!({"alert": 1}));
    // A REST publish reaches socket subscribers too.
    let r = api
        .post(
            &format!("/v1/Services/default/Streams/{ssid}/Messages"),
            &[("Data", r#"{"alert":2}"#)],
        )
        .await;
    assert_eq!(r.status.as_u16(), 201);
    let (_, p) = b.notification(Duration::from_secs(1)).await;
    assert_eq!(p["event"]["message_data"], json!({"alert": 2}));
}

#[tokio::test]
async fn bad_tokens_are_refused() {
    let (emu, api) = start(config()).await;
    let other = api.post("/v1/Services", &[("FriendlyName", "other")]).await;
    assert_eq!(other.status.as_u16(), 201);
    let cases = [
        (
            "expired",
            // Past the minute of clock skew allowed.
            token_with(KEY_SECRET, "default", now_s() - 120),
            20104,
        ),
        (
            "lives over 24 hours",
            token_with(KEY_SECRET, "default", now_s() + 2 * 86_400),
            20157,
        ),
        (
            "other secret",
            token_with("not-the-secret", "default", now_s() + 600),
            20101,
        ),
        (
            "no such service",
            token_with(
                KEY_SECRET,
                "ISffffffffffffffffffffffffffffffff",
                now_s() + 600,
            ),
            20151,
        ),
        ("garbage", "x.y.z".to_owned(), 20101),
    ];
    for (what, token, code) in cases {
        let mut c = Client::connect(&emu).await;
        let reply = c.init(&token).await;
        assert_eq!(
            reply.header["status"]["code"], 401,
            "{what}: {:?}",
            reply.header
        );
        assert_eq!(reply.header["status"]["errorCode"], code, "{what}");
        assert!(
            c.recv().await.is_none(),
            "{what}: the server closes after refusing"
        );
    }
    // A token for a service that exists, by SID, is good.
    let sid = other.body["sid"].as_str().expect("sid");
    let mut c = Client::connect(&emu).await;
    let reply = c.init(&token_with(KEY_SECRET, sid, now_s() + 600)).await;
    assert_eq!(reply.header["status"]["code"], 200);
    assert!(reply.header["offline_storage"]["data_sync"]["storage_id"].is_string());
}

#[tokio::test]
async fn a_connection_is_closed_when_its_token_expires() {
    let clock = Clock::manual_now();
    let (emu, _api) = start(config().clock(clock.clone())).await;
    let mut c = Client::connect(&emu).await;
    let exp = clock.now_ms() / 1000 + 60;
    let reply = c.init(&token_with(KEY_SECRET, "default", exp)).await;
    assert_eq!(reply.header["status"]["code"], 200);
    clock.advance(Duration::from_secs(40));
    let f = c.recv().await.expect("client_update");
    assert_eq!(f.method(), Some("client_update"));
    assert_eq!(f.header["client_update_type"], "token_about_to_expire");
    clock.advance(Duration::from_secs(30));
    let f = c.recv().await.expect("close");
    assert_eq!(f.method(), Some("close"));
    assert_eq!(f.header["status"]["code"], 410);
}

#[tokio::test]
async fn bad_frames_get_error_answers_and_the_server_keeps_serving() {
    let (emu, _api) = start(config()).await;
    let mut c = Client::connect(&emu).await;
    // A CDS request before init.
    let h = obj(
        json!({"method": "message", "http_request": {"method": "GET", "path": "/v3/Documents/x"}}),
    );
    let id = c.send(h, None).await;
    let f = c.reply_to(&id).await;
    assert_eq!(f.header["http_status"]["code"], 401);
    assert_eq!(f.json_payload().expect("json")["code"], 20003);
    let reply = c.init(&good_token()).await;
    assert_eq!(reply.header["status"]["code"], 200);
    // Unknown path, bad JSON payload, a body that is not an object, a missing http_request.
    let (code, body) = c.request("GET", "/v3/Nope", json!({}), None, None).await;
    assert_eq!((code, body["code"].clone()), (404, json!(20404)));
    let h = obj(
        json!({"method": "message", "http_request": {"method": "POST", "path": "/v3/Documents"}}),
    );
    c.next += 1;
    let id = format!("TMraw{}", c.next);
    let mut h2 = h.clone();
    h2.insert("id".into(), json!(id));
    let raw = Frame {
        header: h2,
        payload: b"{not json".to_vec(),
    };
    c.ws.send(Message::Binary(raw.encode().into()))
        .await
        .expect("sent");
    let f = c.reply_to(&id).await;
    assert_eq!(f.header["http_status"]["code"], 400);
    let (code, body) = c
        .request(
            "POST",
            "/v3/Documents",
            json!({}),
            None,
            Some(json!([1, 2])),
        )
        .await;
    assert_eq!((code, body["code"].clone()), (400, json!(54008)));
    let (code, body) = c
        .request(
            "POST",
            "/v3/Documents",
            json!({}),
            None,
            Some(json!({"ttl": -5})),
        )
        .await;
    assert_eq!((code, body["code"].clone()), (400, json!(54011)));
    let id = c.send(obj(json!({"method": "message"})), None).await;
    let f = c.reply_to(&id).await;
    assert_eq!(f.header["http_status"]["code"], 400);
    let id = c.send(obj(json!({"method": "frobnicate"})), None).await;
    let f = c.reply_to(&id).await;
    assert_eq!(f.header["status"]["code"], 400);
    // Subscriptions: a batch over max_batch_size, an unknown action.
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"object_sid": format!("ET{i:032x}"), "object_type": "document"}))
        .collect();
    let body = json!({"action": "establish", "correlation_id": 1, "requests": many});
    let (code, _) = c
        .request("POST", "/v4/Subscriptions", json!({}), None, Some(body))
        .await;
    assert_eq!(code, 400);
    let body = json!({"action": "frobnicate", "requests": []});
    let (code, _) = c
        .request("POST", "/v4/Subscriptions", json!({}), None, Some(body))
        .await;
    assert_eq!(code, 400);
    // Garbage that is not a frame: the server says it cannot parse it and closes.
    c.ws.send(Message::Binary(b"GET / HTTP/1.1".to_vec().into()))
        .await
        .expect("sent");
    let f = c.recv().await.expect("close frame");
    assert_eq!(f.method(), Some("close"));
    assert_eq!(f.header["status"]["code"], 406);
    // Others are still served.
    let mut d = Client::connected(&emu).await;
    let (code, _) = d
        .request("POST", "/v3/Documents", json!({}), None, Some(json!({})))
        .await;
    assert_eq!(code, 201);
}

#[tokio::test]
async fn event_ids_survive_a_restart_and_missed_events_are_replayed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("sync.sqlite3").display().to_string();
    let file_config = || {
        let mut c = EmulatorConfig::with_file(ACCOUNT, TOKEN, data.clone());
        c.api_keys = vec![(KEY_SID.to_owned(), KEY_SECRET.to_owned())];
        c
    };
    let (emu, api) = start(file_config()).await;
    let r = api
        .post(
            "/v1/Services/default/Documents",
            &[("UniqueName", "call-9"), ("Data", r#"{"n":0}"#)],
        )
        .await;
    let sid = r.body["sid"].as_str().expect("sid").to_owned();
    let mut c = Client::connected(&emu).await;
    let (_, est) = c.subscribe_and_replay(&sid, "document", json!(0)).await;
    assert_eq!(est["last_event_id"], 0);
    for n in 1..=2 {
        api.post(
            &format!("/v1/Services/default/Documents/{sid}"),
            &[("Data", &format!(r#"{{"n":{n}}}"#))],
        )
        .await;
        let (_, p) = c.notification(Duration::from_secs(1)).await;
        assert_eq!(p["event"]["id"], n);
    }
    drop(c);
    emu.shutdown().await;

    // Written while the client was away, then the emulator restarts on the same file.
    let (emu, api) = start(file_config()).await;
    for n in 3..=4 {
        let r = api
            .post(
                &format!("/v1/Services/default/Documents/{sid}"),
                &[("Data", &format!(r#"{{"n":{n}}}"#))],
            )
            .await;
        assert_eq!(r.status.as_u16(), 200);
    }
    emu.shutdown().await;
    let (emu, api) = start(file_config()).await;
    let mut c = Client::connected(&emu).await;
    let (replayed, est) = c.subscribe_and_replay(&sid, "document", json!(2)).await;
    let ids: Vec<i64> = replayed
        .iter()
        .filter_map(|p| p["event"]["id"].as_i64())
        .collect();
    assert_eq!(ids, [3, 4]);
    assert_eq!(replayed[1]["event"]["document_data"], json!({"n": 4}));
    assert_eq!(est["last_event_id"], 4);
    // And the next live event continues the sequence.
    api.post(
        &format!("/v1/Services/default/Documents/{sid}"),
        &[("Data", r#"{"n":5}"#)],
    )
    .await;
    let (_, p) = c.notification(Duration::from_secs(1)).await;
    assert_eq!(p["event"]["id"], 5);
}

/// Guards the accept loop's timeouts: an idle HTTP connection may be closed, an
/// established socket must not be.
#[tokio::test]
async fn an_idle_socket_stays_open_and_still_gets_events() {
    let (emu, api) = start(config()).await;
    let r = api
        .post("/v1/Services/default/Documents", &[("UniqueName", "idle")])
        .await;
    let sid = r.body["sid"].as_str().expect("sid").to_owned();
    let mut c = Client::connected(&emu).await;
    c.subscribe_and_replay(&sid, "document", json!(0)).await;
    tokio::time::sleep(Duration::from_secs(11)).await;
    api.post(
        &format!("/v1/Services/default/Documents/{sid}"),
        &[("Data", r#"{"late":true}"#)],
    )
    .await;
    let (_, p) = c.notification(Duration::from_secs(2)).await;
    assert_eq!(p["event"]["document_data"], json!({"late": true}));
}

/// The log keeps every event of the last 15 minutes (paged out on replay); a subscriber
/// further behind than the log reaches gets a Document's current value (one event with the
/// newest id) instead of a partial replay.
#[tokio::test]
async fn replay_covers_fifteen_minutes_and_beyond_that_a_document_is_its_value() {
    let clock = Clock::manual_now();
    let (emu, api) = start(config().clock(clock.clone())).await;
    let r = api
        .post("/v1/Services/default/Documents", &[("UniqueName", "busy")])
        .await;
    let sid = r.body["sid"].as_str().expect("sid").to_owned();
    let path = format!("/v1/Services/default/Documents/{sid}");
    let write = |i: i64| {
        let (api, path) = (&api, &path);
        async move {
            let r = api
                .post(path, &[("Data", &format!(r#"{{"n":{i}}}"#))])
                .await;
            assert_eq!(r.status.as_u16(), 200);
        }
    };
    for i in 1..=1100 {
        write(i).await;
    }
    // All 1,100 are young: a client that saw only the first gets the other 1,099.
    let mut c = Client::connected(&emu).await;
    let (replayed, est) = c.subscribe_and_replay(&sid, "document", json!(1)).await;
    let ids: Vec<i64> = replayed
        .iter()
        .filter_map(|p| p["event"]["id"].as_i64())
        .collect();
    assert_eq!(ids, (2..=1100).collect::<Vec<_>>());
    assert_eq!(est["last_event_id"], 1100);
    drop(c);

    // A quarter of an hour later the old ones are pruned as new ones come.
    clock.advance(Duration::from_secs(16 * 60));
    for i in 1101..=1200 {
        write(i).await;
    }
    let mut c = Client::connected(&emu).await;
    let (replayed, est) = c.subscribe_and_replay(&sid, "document", json!(1)).await;
    assert_eq!(replayed.len(), 1, "one event stands in for the pruned ones");
    assert_eq!(replayed[0]["event"]["id"], 1200);
    assert_eq!(replayed[0]["event"]["document_data"], json!({ "n": 1200 }));
    assert_eq!(est["last_event_id"], 1200);
    drop(c);

    // Within the retained log, the replay is event by event.
    let mut c = Client::connected(&emu).await;
    let (replayed, _) = c.subscribe_and_replay(&sid, "document", json!(1197)).await;
    let ids: Vec<i64> = replayed
        .iter()
        .filter_map(|p| p["event"]["id"].as_i64())
        .collect();
    assert_eq!(ids, [1198, 1199, 1200]);
}

/// A session that falls behind the live feed (its buffer holds 2 events here, and 60
/// concurrent REST writes commit in a few group commits) catches up from the event log:
/// every event arrives once, in order, and the emulator counts the catch-up.
#[tokio::test]
async fn a_session_that_falls_behind_the_feed_catches_up_from_the_log() {
    const WRITES: u64 = 60;
    let mut c = config();
    c.realtime_feed_capacity = 2;
    let (emu, api) = start(c).await;
    let created = api
        .post("/v1/Services/default/Maps", &[("UniqueName", "burst")])
        .await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.body);
    let sid = created.body["sid"].as_str().expect("sid").to_owned();
    let mut client = Client::connected(&emu).await;
    let (_, established) = client.subscribe_and_replay(&sid, "map", json!(0)).await;
    let start_id = established["last_event_id"]
        .as_u64()
        .expect("last_event_id");

    let keys: Vec<String> = (0..WRITES).map(|i| format!("k{i}")).collect();
    let api = &api;
    let writes = keys.iter().map(|key| async move {
        api.post(
            "/v1/Services/default/Maps/burst/Items",
            &[("Key", key.as_str()), ("Data", "{\"burst\":true}")],
        )
        .await
    });
    for reply in futures_util::future::join_all(writes).await {
        assert_eq!(reply.status.as_u16(), 201, "{}", reply.body);
    }

    let mut seen = std::collections::BTreeSet::new();
    for n in 1..=WRITES {
        let (kind, p) = client.notification(Duration::from_secs(5)).await;
        // Live events come as the map's own type; caught-up ones as replayed events, which
        // twilio-sync.js applies the same way (in strict order).
        assert!(
            kind == "com.twilio.rtd.cds.map" || kind == "twilio.sync.event",
            "{kind}: {p}"
        );
        assert_eq!(p["event_type"], "map_item_added", "{p}");
        assert_eq!(
            p["event"]["id"],
            start_id + n,
            "events in order, none skipped: {p}"
        );
        let key = p["event"]["item_key"]
            .as_str()
            .expect("item_key")
            .to_owned();
        assert!(seen.insert(key.clone()), "{key} delivered twice");
    }
    assert_eq!(seen.len() as u64, WRITES);
    let stats = api.get("/_emulator/stats").await;
    assert!(
        stats.body["realtime_catch_ups"].as_u64().unwrap_or(0) >= 1,
        "the session never fell behind, so the catch-up path was not exercised: {}",
        stats.body
    );
}

/// On a service with `AclEnabled`, a token identity gets what its Sync Permissions grant
/// and nothing more: read to fetch and subscribe, write to update, manage to delete (403
/// with 54007 otherwise); it cannot create objects. Grants made over REST apply at once.
#[tokio::test]
async fn acl_enabled_services_serve_identities_what_their_permissions_grant() {
    let (emu, api) = start(config()).await;
    let svc = api
        .post(
            "/v1/Services",
            &[("FriendlyName", "acl"), ("AclEnabled", "true")],
        )
        .await;
    assert_eq!(svc.status.as_u16(), 201, "{}", svc.body);
    assert_eq!(svc.body["acl_enabled"], true);
    let svc = svc.body["sid"].as_str().expect("sid").to_owned();
    for name in ["guarded", "secret"] {
        let doc = api
            .post(
                &format!("/v1/Services/{svc}/Documents"),
                &[("UniqueName", name), ("Data", "{\"n\":0}")],
            )
            .await;
        assert_eq!(doc.status.as_u16(), 201, "{}", doc.body);
    }
    let perm = format!("/v1/Services/{svc}/Documents/guarded/Permissions/agent-1");
    let grant = |read: &'static str, write: &'static str, manage: &'static str| {
        [("Read", read), ("Write", write), ("Manage", manage)]
    };

    let mut agent = Client::connect(&emu).await;
    let reply = agent
        .init(&token_with(KEY_SECRET, &svc, now_s() + 3600))
        .await;
    assert_eq!(reply.header["status"]["code"], 200, "{:?}", reply.header);
    let denied = |(code, body): (u64, Value)| {
        assert_eq!((code, body["code"].clone()), (403, json!(54007)), "{body}");
    };
    async fn get(c: &mut Client) -> (u64, Value) {
        c.request("GET", "/v3/Documents/guarded", json!({}), None, None)
            .await
    }

    // No permission: nothing.
    denied(get(&mut agent).await);
    let update = Some(json!({"data": {"n": 1}}));
    denied(
        agent
            .request(
                "POST",
                "/v3/Documents/guarded",
                json!({}),
                None,
                update.clone(),
            )
            .await,
    );
    // A client cannot create objects here; a create naming an existing one is still 409.
    denied(
        agent
            .request(
                "POST",
                "/v3/Documents",
                json!({}),
                None,
                Some(json!({"unique_name": "mine"})),
            )
            .await,
    );
    let (code, _) = agent
        .request(
            "POST",
            "/v3/Documents",
            json!({}),
            None,
            Some(json!({"unique_name": "guarded"})),
        )
        .await;
    assert_eq!(code, 409);

    // Read: fetch and subscribe, but not write.
    assert_eq!(
        api.post(&perm, &grant("true", "false", "false"))
            .await
            .status
            .as_u16(),
        200
    );
    let (code, doc) = get(&mut agent).await;
    assert_eq!(code, 200, "{doc}");
    let sid = doc["sid"].as_str().expect("sid").to_owned();
    let (_, established) = agent.subscribe_and_replay(&sid, "document", json!(0)).await;
    assert_eq!(established["object_sid"], sid.as_str());
    denied(
        agent
            .request(
                "POST",
                &format!("/v3/Documents/{sid}"),
                json!({}),
                None,
                update.clone(),
            )
            .await,
    );

    // Write: the update goes through (and the subscription sees it); delete still needs manage.
    assert_eq!(
        api.post(&perm, &grant("true", "true", "false"))
            .await
            .status
            .as_u16(),
        200
    );
    let (code, body) = agent
        .request(
            "POST",
            &format!("/v3/Documents/{sid}"),
            json!({}),
            None,
            update,
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let (_, event) = agent.notification(Duration::from_secs(1)).await;
    assert_eq!(event["event"]["document_data"]["n"], 1, "{event}");
    denied(
        agent
            .request(
                "DELETE",
                &format!("/v3/Documents/{sid}"),
                json!({}),
                None,
                None,
            )
            .await,
    );
    assert_eq!(
        api.post(&perm, &grant("true", "true", "true"))
            .await
            .status
            .as_u16(),
        200
    );
    let (code, body) = agent
        .request(
            "DELETE",
            &format!("/v3/Documents/{sid}"),
            json!({}),
            None,
            None,
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let (_, removed) = agent.notification(Duration::from_secs(1)).await;
    assert_eq!(removed["event_type"], "document_removed", "{removed}");

    // Subscribing to an object the identity may not read fails, with the reason.
    let secret = api
        .get(&format!("/v1/Services/{svc}/Documents/secret"))
        .await
        .body["sid"]
        .as_str()
        .expect("sid")
        .to_owned();
    let (code, _) = agent.subscribe(&secret, "document", json!(0)).await;
    assert_eq!(code, 200);
    let (_, failed) = agent.notification(Duration::from_secs(1)).await;
    assert_eq!(failed["event_type"], "subscription_failed", "{failed}");
    assert_eq!(failed["event"]["error"]["code"], 54007, "{failed}");
}

/// A token for `identity` on `service`, otherwise like [`token_with`].
fn token_for(identity: &str, service: &str) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.cty = Some("twilio-fpa;v=1".into());
    let claims = json!({
        "jti": format!("{KEY_SID}-{}", now_s()),
        "iss": KEY_SID,
        "sub": ACCOUNT,
        "exp": now_s() + 3600,
        "grants": {"identity": identity, "data_sync": {"service_sid": service}},
    });
    encode(
        &header,
        &claims,
        &EncodingKey::from_secret(KEY_SECRET.as_bytes()).expect("key"),
    )
    .expect("token")
}

/// The next notification within `within`, or None if none came.
async fn notification_within(c: &mut Client, within: Duration) -> Option<(String, Value)> {
    if let Some(n) = c.notifications.pop_front() {
        return Some(n);
    }
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let f = tokio::time::timeout_at(deadline, c.recv())
            .await
            .ok()?
            .expect("socket open");
        if f.method() == Some("notification") {
            let ack = obj(json!({"method": "reply", "id": f.id()}));
            c.send(ack, None).await;
            let t = f.header["message_type"].as_str().unwrap_or("").to_owned();
            return Some((t, f.json_payload().expect("json payload")));
        }
    }
}

/// Revoking or narrowing a Sync Permission over REST ends the live subscriptions it no
/// longer allows, on an `AclEnabled` service: the identity is told with
/// `subscription_failed` (403 / 54007, `correlation_id` null) and gets no later event for
/// that object, while other identities and its other subscriptions go on.
#[tokio::test]
async fn revoking_a_permission_ends_the_identitys_live_subscriptions() {
    let (emu, api) = start(config()).await;
    let svc = api
        .post(
            "/v1/Services",
            &[("FriendlyName", "acl"), ("AclEnabled", "true")],
        )
        .await;
    assert_eq!(svc.status.as_u16(), 201, "{}", svc.body);
    let svc = svc.body["sid"].as_str().expect("sid").to_owned();
    let mut sids = Vec::new();
    for name in ["watched", "other"] {
        let doc = api
            .post(
                &format!("/v1/Services/{svc}/Documents"),
                &[("UniqueName", name), ("Data", "{\"n\":0}")],
            )
            .await;
        assert_eq!(doc.status.as_u16(), 201, "{}", doc.body);
        sids.push(doc.body["sid"].as_str().expect("sid").to_owned());
        for who in ["agent-1", "agent-2"] {
            let perm = format!("/v1/Services/{svc}/Documents/{name}/Permissions/{who}");
            let r = api
                .post(
                    &perm,
                    &[("Read", "true"), ("Write", "true"), ("Manage", "false")],
                )
                .await;
            assert_eq!(r.status.as_u16(), 200, "{}", r.body);
        }
    }
    let (watched, other) = (sids[0].clone(), sids[1].clone());
    let mut one = Client::connect(&emu).await;
    let mut two = Client::connect(&emu).await;
    for (c, who) in [(&mut one, "agent-1"), (&mut two, "agent-2")] {
        let reply = c.init(&token_for(who, &svc)).await;
        assert_eq!(reply.header["status"]["code"], 200, "{:?}", reply.header);
        c.subscribe_and_replay(&watched, "document", json!(null))
            .await;
    }
    one.subscribe_and_replay(&other, "document", json!(null))
        .await;
    let write = |doc: &'static str, n: &'static str| {
        let api = &api;
        let svc = svc.clone();
        async move {
            let r = api
                .post(
                    &format!("/v1/Services/{svc}/Documents/{doc}"),
                    &[("Data", n)],
                )
                .await;
            assert_eq!(r.status.as_u16(), 200, "{}", r.body);
        }
    };
    let expect_update = |n: u64| {
        move |got: Option<(String, Value)>| {
            let (_, p) = got.expect("an event");
            assert_eq!(p["event"]["document_data"]["n"], n, "{p}");
        }
    };
    let failed = |sid: &str, got: Option<(String, Value)>| {
        let (t, p) = got.expect("a notification");
        assert_eq!(t, "twilio.sync.event");
        assert_eq!(p["event_type"], "subscription_failed", "{p}");
        assert_eq!(p["correlation_id"], Value::Null, "{p}");
        assert_eq!(p["event"]["object_sid"], sid, "{p}");
        assert_eq!(p["event"]["object_type"], "document", "{p}");
        assert_eq!(p["event"]["error"]["status"], 403, "{p}");
        assert_eq!(p["event"]["error"]["code"], 54007, "{p}");
    };
    let wait = Duration::from_secs(2);

    // Narrowing agent-1's permission to write-only ends its subscription to the object.
    let r = api
        .post(
            &format!("/v1/Services/{svc}/Documents/watched/Permissions/agent-1"),
            &[("Read", "false"), ("Write", "true"), ("Manage", "false")],
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    failed(&watched, notification_within(&mut one, wait).await);
    write("watched", "{\"n\":1}").await;
    expect_update(1)(notification_within(&mut two, wait).await);
    assert_eq!(
        notification_within(&mut one, Duration::from_millis(500)).await,
        None,
        "agent-1 may no longer read the document"
    );
    // Its other subscription goes on.
    write("other", "{\"n\":5}").await;
    expect_update(5)(notification_within(&mut one, wait).await);
    // A grant that keeps read changes nothing for agent-2.
    let r = api
        .post(
            &format!("/v1/Services/{svc}/Documents/watched/Permissions/agent-2"),
            &[("Read", "true"), ("Write", "false"), ("Manage", "false")],
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    write("watched", "{\"n\":2}").await;
    expect_update(2)(notification_within(&mut two, wait).await);

    // Deleting agent-2's permission ends its subscription too; a later write reaches nobody.
    let r = api
        .delete(&format!(
            "/v1/Services/{svc}/Documents/watched/Permissions/agent-2"
        ))
        .await;
    assert_eq!(r.status.as_u16(), 204, "{}", r.body);
    failed(&watched, notification_within(&mut two, wait).await);
    write("watched", "{\"n\":3}").await;
    for c in [&mut one, &mut two] {
        assert_eq!(
            notification_within(c, Duration::from_millis(500)).await,
            None
        );
    }
    // Subscribing again is refused the usual way.
    let (code, _) = two.subscribe(&watched, "document", json!(null)).await;
    assert_eq!(code, 200);
    let (_, p) = two.notification(wait).await;
    assert_eq!(p["event_type"], "subscription_failed", "{p}");
    assert_eq!(p["event"]["error"]["code"], 54007, "{p}");
}

/// A client that stops reading cannot hold its session: once a frame has waited
/// `realtime_send_timeout` (1 s here) on its full socket, the session is dropped and the
/// connection closed, while a reading client on the same document gets every event.
#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_and_the_others_are_served() {
    const WRITES: u64 = 1000;
    let mut c = config();
    c.realtime_send_timeout = Duration::from_secs(1);
    let (emu, api) = start(c).await;
    let doc = api
        .post(
            "/v1/Services/default/Documents",
            &[("UniqueName", "big"), ("Data", "{}")],
        )
        .await;
    let sid = doc.body["sid"].as_str().expect("sid").to_owned();
    let mut stalled = Client::connected(&emu).await;
    stalled
        .subscribe_and_replay(&sid, "document", json!(0))
        .await;
    let mut reader = Client::connected(&emu).await;
    reader
        .subscribe_and_replay(&sid, "document", json!(0))
        .await;

    let reading = tokio::spawn(async move {
        for n in 1..=WRITES {
            let (_, p) = reader.notification(Duration::from_secs(10)).await;
            assert_eq!(p["event"]["id"], n, "the reader gets every event in order");
        }
        reader
    });
    // ~15 KB an event: 15 MB in all, more than loopback socket buffers hold.
    let data = json!({ "pad": "x".repeat(15_000) }).to_string();
    for _ in 0..WRITES {
        let r = api
            .post("/v1/Services/default/Documents/big", &[("Data", &data)])
            .await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    }
    let _reader = reading.await.expect("the reading client got everything");

    // Without reading a byte of the stalled socket: the server lets its session go.
    let sessions = |api: &Api| {
        let api = Api {
            base: api.base.clone(),
            http: api.http.clone(),
        };
        async move { api.get("/_emulator/stats").await.body["realtime_sessions"].as_u64() }
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while sessions(&api).await != Some(1) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stalled client's session is still open: {:?} sessions",
            sessions(&api).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // What its socket still holds ends in a close, short of the total.
    let mut frames = 0u64;
    loop {
        match tokio::time::timeout(Duration::from_secs(5), stalled.ws.next()).await {
            Ok(Some(Ok(Message::Binary(_)))) => frames += 1,
            Ok(Some(Ok(Message::Close(_)) | Err(_)) | None) => break,
            Ok(Some(Ok(_))) => {}
            Err(_) => {
                panic!("the stalled client's connection was never closed ({frames} frames read)")
            }
        }
    }
    assert!(
        frames < WRITES,
        "the socket took all {frames} events, so the client never stalled the session"
    );
    // The emulator still serves everyone else.
    assert_eq!(
        api.get("/v1/Services/default/Documents/big")
            .await
            .status
            .as_u16(),
        200
    );
}

/// Reads `c` until the server closes it (within `within`); the close frame's code, if any.
async fn closed_by_server(c: &mut Client, within: Duration) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, c.ws.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
            Ok(None | Some(Err(_))) => return None,
            Ok(Some(Ok(_))) => {}
            Err(_) => panic!("the server did not close the socket within {within:?}"),
        }
    }
}

async fn stats(api: &Api) -> Value {
    api.get("/_emulator/stats").await.body
}

/// An upgraded socket that never sends `init` is closed once `realtime_init_timeout`
/// (the server's header timeout) has passed, with a Close frame (1008); one that sent
/// `init` in time stays open past it and keeps being served.
#[tokio::test]
async fn a_socket_without_init_is_closed_after_the_init_timeout() {
    const INIT_TIMEOUT: Duration = Duration::from_millis(500);
    let mut c = config();
    c.realtime_init_timeout = INIT_TIMEOUT;
    let (emu, api) = start(c).await;
    let started = tokio::time::Instant::now();
    let mut silent = Client::connect(&emu).await;
    let mut initialised = Client::connected(&emu).await;
    let code = closed_by_server(&mut silent, INIT_TIMEOUT + Duration::from_secs(2)).await;
    let after = started.elapsed();
    println!("a socket without init was closed after {after:?} (init timeout {INIT_TIMEOUT:?})");
    assert!(
        after >= INIT_TIMEOUT,
        "closed after {after:?}, before the init timeout"
    );
    assert_eq!(code, Some(1008), "the close frame says why (policy)");
    // The initialised one outlives the init timeout several times over.
    tokio::time::sleep(3 * INIT_TIMEOUT).await;
    let (code, body) = initialised
        .request("GET", "/v3/Documents/nothing-here", json!({}), None, None)
        .await;
    assert_eq!(code, 404, "{body}");
    let s = stats(&api).await;
    assert_eq!(s["realtime_init_timeouts"], 1, "{s}");
    assert_eq!(s["realtime_sessions"], 1, "{s}");
}

/// Initialised sessions are sent WebSocket Pings every `realtime_ping_interval`; one whose
/// client reads nothing (so answers no Ping: tungstenite answers only when read) is closed
/// once nothing has been heard from it for `realtime_idle_timeout`, while a client that
/// keeps reading, and so answers every Ping, stays open and served.
#[tokio::test]
async fn a_session_that_answers_no_pings_is_closed_and_an_active_one_stays() {
    const PING: Duration = Duration::from_millis(200);
    const IDLE: Duration = Duration::from_millis(700);
    let mut c = config();
    c.realtime_ping_interval = PING;
    c.realtime_idle_timeout = IDLE;
    let (emu, api) = start(c).await;
    let mut deaf = Client::connected(&emu).await;
    let mut live = Client::connected(&emu).await;
    let started = tokio::time::Instant::now();
    // Only the live client is read; reading answers its Pings.
    let mut pings = 0;
    let until = started + 4 * IDLE;
    loop {
        match tokio::time::timeout_at(until, live.ws.next()).await {
            Err(_) => break,
            Ok(Some(Ok(Message::Ping(_)))) => pings += 1,
            Ok(Some(Ok(Message::Close(_)) | Err(_)) | None) => {
                panic!(
                    "the session answering Pings was closed after {:?}",
                    started.elapsed()
                )
            }
            Ok(Some(Ok(_))) => {}
        }
    }
    let s = stats(&api).await;
    println!(
        "{pings} pings in {:?} (interval {PING:?}); stats after {:?}: {s}",
        4 * IDLE,
        started.elapsed()
    );
    assert!(pings >= 8, "{pings} pings in {:?}", 4 * IDLE);
    assert_eq!(s["realtime_idle_closed"], 1, "{s}");
    assert_eq!(s["realtime_sessions"], 1, "{s}");
    // What the deaf client's socket holds (Pings) ends in the server's close (reading it
    // now may fail on the Pongs tungstenite then tries to send, before the Close frame).
    closed_by_server(&mut deaf, Duration::from_secs(2)).await;
    let (code, _) = live
        .request("GET", "/v3/Documents/nothing-here", json!({}), None, None)
        .await;
    assert_eq!(code, 404, "the active session is still served");
}
