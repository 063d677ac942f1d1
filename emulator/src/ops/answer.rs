//! Rendering an [`Outcome`] once, for the face that asked: status, JSON body and the
//! revision REST puts in `ETag`.

use rusqlite::types::Value as SqlValue;
use serde_json::{json, Value};

use super::paging::encode_token;
use super::render::{self, Body, Face};
use super::{Operation, Outcome};
use crate::wire::{data_value, iso};

/// An answer: HTTP status, body (`None`: 204, no content) and `ETag` revision.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body; `None` for REST's 204.
    pub body: Option<Body>,
    /// The revision REST answers in `ETag`.
    pub etag: Option<i64>,
}

fn with(status: u16, body: impl Into<Body>, etag: Option<i64>) -> Answer {
    Answer {
        status,
        body: Some(body.into()),
        etag,
    }
}

fn status(created: bool) -> u16 {
    if created {
        201
    } else {
        200
    }
}

/// What `face` answers for `outcome` of `op`.
pub fn answer(face: Face<'_>, op: &Operation, outcome: Outcome) -> Answer {
    let socket = matches!(face, Face::Socket { .. });
    match outcome {
        Outcome::Object {
            row,
            last_event_id,
            items,
            created,
        } => {
            let object = render::object(face, &row, last_event_id);
            // The socket embeds the body in a frame of its own: a tree, not text.
            let body = if op.input.include_items || socket {
                let mut body = object.tree();
                if op.input.include_items {
                    body["items"] = Value::Array(
                        items
                            .iter()
                            .map(|(r, id)| render::item(face, &row, r, *id))
                            .collect(),
                    );
                }
                Body::Tree(body)
            } else {
                Body::Text(object.text())
            };
            let etag = row.kind.facts().shape.revision.then_some(row.revision);
            with(status(created), body, etag)
        }
        Outcome::Objects {
            service_sid,
            rows,
            more,
        } => {
            let key = op.kind.collection().to_ascii_lowercase();
            let list: Vec<_> = rows
                .iter()
                .map(|r| render::object(face, r, 0).tree())
                .collect();
            let mut body = json!({});
            if let (Face::Rest { base, .. }, Some(paging)) = (face, &op.input.paging) {
                let url = render::collection_url(base, &service_sid, op.kind);
                body["meta"] = paging.meta(
                    &url,
                    &key,
                    more,
                    rows.first().map(|r| SqlValue::Integer(r.seq)),
                    rows.last().map(|r| SqlValue::Integer(r.seq)),
                );
            }
            body[key] = Value::Array(list);
            with(200, body, None)
        }
        Outcome::Item {
            parent,
            row,
            last_event_id,
            created,
        } => {
            let body = render::item(face, &parent, &row, last_event_id);
            with(status(created), body, Some(row.revision))
        }
        Outcome::Items {
            parent,
            rows,
            more,
            before,
        } => {
            let list: Vec<Value> = rows
                .iter()
                .map(|(r, id)| render::item(face, &parent, r, *id))
                .collect();
            let meta = match (face, &op.input.paging) {
                (Face::Rest { base, .. }, Some(paging)) => paging.meta(
                    &render::items_url(base, &parent),
                    "items",
                    more,
                    rows.first().map(|(r, _)| r.key.to_value()),
                    rows.last().map(|(r, _)| r.key.to_value()),
                ),
                (Face::Socket { .. }, Some(paging)) if op.input.single.is_none() => {
                    let (has_prev, has_next) = if paging.query.backwards() {
                        (more, !rows.is_empty())
                    } else {
                        (before, more)
                    };
                    let token =
                        |dir: char, key: Option<SqlValue>| key.map(|k| encode_token(dir, &k));
                    let next = has_next
                        .then(|| token('A', rows.last().map(|(r, _)| r.key.to_value())))
                        .flatten();
                    let prev = has_prev
                        .then(|| token('B', rows.first().map(|(r, _)| r.key.to_value())))
                        .flatten();
                    json!({
                        "previous_token": prev,
                        "next_token": next,
                        "page_size": paging.query.size,
                    })
                }
                _ => json!({ "previous_token": null, "next_token": null }),
            };
            with(200, json!({ "items": list, "meta": meta }), None)
        }
        Outcome::Deleted {
            sid,
            last_event_id,
            at,
        } if socket => {
            let mut body = json!({ "last_event_id": last_event_id, "date_updated": iso(at) });
            if let Some(sid) = sid {
                body["sid"] = json!(sid);
            }
            with(200, body, None)
        }
        Outcome::Deleted { .. } => Answer {
            status: 204,
            body: None,
            etag: None,
        },
        Outcome::Published { sid, data } => {
            with(201, json!({ "sid": sid, "data": data_value(&data) }), None)
        }
    }
}
