//! Applying an [`Operation`] to the store: one store call per operation, the same for both
//! faces, inside the service the request names; the caller's Sync Permissions are checked
//! first (token identities only).

use rusqlite::Connection;

use super::{acl, Caller, Operation, Target, Verb};
use crate::error::{RevisionTarget, SyncError};
use crate::ratelimit::Op;
use crate::sid::{new_sid, Prefix};
use crate::state::{InService, Shared};
use crate::store::event_log;
use crate::store::items::{self, ItemKey, ItemKind, ItemRow, ItemWrite};
use crate::store::objects::{self, Kind, NewObject, ObjectRow, ObjectUpdate};
use crate::store::page::{Cursor, PageQuery};

/// Items a Map fetch with `Include=items` reads.
const INCLUDED_ITEMS: usize = 100;

/// What an applied operation produced, for [`answer`](super::answer) to render.
/// `last_event_id`s are read only when the face shows them (`event_ids`); else 0.
#[derive(Debug)]
pub enum Outcome {
    /// An object created, read or changed; a Map fetch's included items.
    Object {
        /// The object.
        row: ObjectRow,
        /// Its newest event.
        last_event_id: i64,
        /// `Include=items`: its first items with their newest events.
        items: Vec<(ItemRow, i64)>,
        /// Whether the operation created it.
        created: bool,
    },
    /// A page of objects.
    Objects {
        /// The service's SID.
        service_sid: String,
        /// The objects.
        rows: Vec<ObjectRow>,
        /// Whether more follow.
        more: bool,
    },
    /// An item created, read or changed.
    Item {
        /// Its Map or List.
        parent: ObjectRow,
        /// The item.
        row: ItemRow,
        /// The newest event of the item (a fetch) or of its parent (a write).
        last_event_id: i64,
        /// Whether the operation created it.
        created: bool,
    },
    /// A page of items with their newest events.
    Items {
        /// Their Map or List.
        parent: ObjectRow,
        /// The items.
        rows: Vec<(ItemRow, i64)>,
        /// Whether more follow in the page's direction.
        more: bool,
        /// Whether any precede the page (read for the socket's tokens only).
        before: bool,
    },
    /// An object (with its SID) or an item is gone.
    Deleted {
        /// The deleted object's SID; `None` for an item.
        sid: Option<String>,
        /// The newest event of the object (its removal) or of the item's parent.
        last_event_id: i64,
        /// When.
        at: i64,
    },
    /// A Stream message was published.
    Published {
        /// The message SID.
        sid: String,
        /// Its data as sent.
        data: String,
    },
}

/// Checks the caller's permission for `op`, applies it in `service` (a SID, unique name or
/// `default`), and tells the purge task of new expiries. `event_ids`: read the
/// `last_event_id`s the socket face shows.
pub async fn run(
    st: &Shared,
    service: String,
    caller: &Caller,
    event_ids: bool,
    op: Operation,
) -> Result<Outcome, SyncError> {
    if let Caller::Identity(identity) = caller {
        if let Some(need) = acl::need(&op) {
            let (svc, who, kind, now) = (
                service.clone(),
                identity.clone(),
                op.kind,
                st.clock.now_ms(),
            );
            st.store
                .read(move |c| acl::check(c, &svc, who.as_deref(), kind, &need, now))
                .await?;
        }
    }
    let ids = move |c: &Connection, sid: &str| -> Result<i64, SyncError> {
        if event_ids {
            event_log::last_id(c, sid)
        } else {
            Ok(0)
        }
    };
    let (kind, input) = (op.kind, op.input);
    // The kind of item a Map or List holds; item operations on other kinds are refused.
    let items = ItemKind::ALL.into_iter().find(|k| k.parent_kind() == kind);
    let item_kind = || items.ok_or(SyncError::MethodNotAllowed);
    let outcome = match (op.verb, op.target) {
        (Verb::Create, Target::Collection) => {
            let new = NewObject {
                unique_name: input.unique_name,
                data: input.data,
                ttl: input.ttl,
            };
            let row = st
                .write_in(service, move |s| {
                    objects::create(s.conn, &s.ctx, &s.sid, kind, new)
                })
                .await?;
            st.note_expiry(row.date_expires);
            Outcome::Object {
                row,
                last_event_id: 0,
                items: Vec::new(),
                created: true,
            }
        }
        (Verb::List, Target::Collection) => {
            let q = input
                .paging
                .map(|p| p.query)
                .unwrap_or_else(|| PageQuery::new(Cursor::Start, super::paging::DEFAULT_PAGE_SIZE));
            st.read_in(service, move |s| {
                let (rows, more) = objects::page(s.conn, &s.sid, kind, &q, s.ctx.now)?;
                Ok(Outcome::Objects {
                    service_sid: s.sid.clone(),
                    rows,
                    more,
                })
            })
            .await?
        }
        (Verb::Fetch, Target::Object(id)) => {
            let include = input.include_items;
            st.read_in(service, move |s| {
                let row = s.object(kind, &id)?;
                s.ctx.read(&row.sid)?;
                let items = if include {
                    let q = PageQuery::new(Cursor::Start, INCLUDED_ITEMS);
                    let (rows, _) = items::page(s.conn, &row, ItemKind::Map, &q, s.ctx.now)?;
                    with_ids(s.conn, &row, rows, event_ids)?
                } else {
                    Vec::new()
                };
                Ok(Outcome::Object {
                    last_event_id: ids(s.conn, &row.sid)?,
                    row,
                    items,
                    created: false,
                })
            })
            .await?
        }
        (Verb::Update, Target::Object(id)) => {
            let upd = ObjectUpdate {
                if_match: input.if_match,
                data: input.data,
                ttl: input.ttl,
            };
            let (row, last_event_id) = st
                .write_in(service, move |s| {
                    let row = objects::update(s.conn, &s.ctx, &s.sid, kind, &id, upd)?;
                    let last = ids(s.conn, &row.sid)?;
                    Ok((row, last))
                })
                .await?;
            st.note_expiry(row.date_expires);
            Outcome::Object {
                row,
                last_event_id,
                items: Vec::new(),
                created: false,
            }
        }
        (Verb::Delete, Target::Object(id)) => {
            let if_match = input.if_match;
            st.write_in(service, move |s| {
                let sid = objects::delete(s.conn, &s.ctx, &s.sid, kind, &id, if_match.as_deref())?;
                Ok(Outcome::Deleted {
                    last_event_id: ids(s.conn, &sid)?,
                    sid: Some(sid),
                    at: s.ctx.now,
                })
            })
            .await?
        }
        (Verb::List, Target::Items(id)) => {
            let item_kind = item_kind()?;
            let (paging, single) = (input.paging, input.single);
            st.read_in(service, move |s| {
                let parent = s.object(kind, &id)?;
                s.ctx.read(&parent.sid)?;
                if let Some(key) = single {
                    let found = match items::get(s.conn, &parent, item_kind, &key, s.ctx.now) {
                        Ok(r) => vec![r],
                        Err(SyncError::NotFound(_)) => Vec::new(),
                        Err(e) => return Err(e),
                    };
                    let rows = with_ids(s.conn, &parent, found, event_ids)?;
                    return Ok(Outcome::Items {
                        parent,
                        rows,
                        more: false,
                        before: false,
                    });
                }
                let q = paging.map(|p| p.query).unwrap_or_else(|| {
                    PageQuery::new(Cursor::Start, super::paging::DEFAULT_PAGE_SIZE)
                });
                let (rows, more) = items::page(s.conn, &parent, item_kind, &q, s.ctx.now)?;
                let before = event_ids && any_before(s, &parent, item_kind, &q, &rows)?;
                let rows = with_ids(s.conn, &parent, rows, event_ids)?;
                Ok(Outcome::Items {
                    parent,
                    rows,
                    more,
                    before,
                })
            })
            .await?
        }
        (Verb::Fetch, Target::Item(id, key)) => {
            let item_kind = item_kind()?;
            st.read_in(service, move |s| {
                let parent = s.object(kind, &id)?;
                s.ctx.read(&parent.sid)?;
                let row = items::get(s.conn, &parent, item_kind, &key, s.ctx.now)?;
                let last_event_id = if event_ids {
                    event_log::item_last_id(s.conn, &parent.sid, &row.key)?
                } else {
                    0
                };
                Ok(Outcome::Item {
                    parent,
                    row,
                    last_event_id,
                    created: false,
                })
            })
            .await?
        }
        (verb @ (Verb::Create | Verb::Update | Verb::Upsert), Target::Item(id, key)) => {
            let item_kind = item_kind()?;
            let at = Place {
                kind,
                item_kind,
                id,
            };
            item_write(st, service, at, verb, Some(key), input, event_ids).await?
        }
        (Verb::Create, Target::Items(id)) => {
            let item_kind = item_kind()?;
            let at = Place {
                kind,
                item_kind,
                id,
            };
            item_write(st, service, at, Verb::Create, None, input, event_ids).await?
        }
        (Verb::Delete, Target::Item(id, key)) => {
            let item_kind = item_kind()?;
            let if_match = input.if_match;
            st.write_in(service, move |s| {
                let parent = s.object(kind, &id)?;
                items::delete(
                    s.conn,
                    &s.ctx,
                    &parent,
                    item_kind,
                    &key,
                    if_match.as_deref(),
                )?;
                Ok(Outcome::Deleted {
                    sid: None,
                    last_event_id: ids(s.conn, &parent.sid)?,
                    at: s.ctx.now,
                })
            })
            .await?
        }
        (Verb::Publish, Target::Messages(id)) => {
            let data = input.data.unwrap_or_else(|| "{}".to_owned());
            let sid = new_sid(Prefix::StreamMessage);
            let (message_sid, text) = (sid.clone(), data.clone());
            st.write_in(service, move |s| {
                let stream = s.object(Kind::Stream, &id)?;
                s.ctx.limit(&stream.sid, Op::StreamMessage)?;
                event_log::message_published(s.conn, s.ctx.now, &stream, &message_sid, &text)
            })
            .await?;
            Outcome::Published { sid, data }
        }
        _ => return Err(SyncError::MethodNotAllowed),
    };
    Ok(outcome)
}

/// The object an item operation works in.
struct Place {
    kind: Kind,
    item_kind: ItemKind,
    /// The Map's or List's SID or unique name.
    id: String,
}

/// Writes an item (see [`write_item`]); the purge task hears of new expiries.
async fn item_write(
    st: &Shared,
    service: String,
    at: Place,
    verb: Verb,
    key: Option<ItemKey>,
    input: super::Input,
    event_ids: bool,
) -> Result<Outcome, SyncError> {
    let w = ItemWrite {
        if_match: input.if_match,
        data: input.data,
        item_ttl: input.ttl,
        collection_ttl: input.collection_ttl,
    };
    // A Map's or List's own expiry, which a collection TTL moves, is not in the outcome:
    // then the purge task re-reads the nearest deadline whatever it is.
    let collection_expires = w.collection_ttl.is_some_and(|t| t > 0);
    let outcome = st
        .write_in(service, move |s| {
            let parent = s.object(at.kind, &at.id)?;
            let (row, created) = write_item(s, &parent, at.item_kind, verb, key, w)?;
            let last_event_id = if event_ids {
                event_log::last_id(s.conn, &parent.sid)?
            } else {
                0
            };
            Ok(Outcome::Item {
                parent,
                row,
                last_event_id,
                created,
            })
        })
        .await?;
    if collection_expires {
        st.wake_purge();
    } else if let Outcome::Item { row, .. } = &outcome {
        st.note_expiry(row.date_expires);
    }
    Ok(outcome)
}

/// An item create, update or upsert (`If-Match: -1`: create only).
fn write_item(
    s: &InService<'_>,
    parent: &ObjectRow,
    kind: ItemKind,
    verb: Verb,
    key: Option<ItemKey>,
    w: ItemWrite,
) -> Result<(ItemRow, bool), SyncError> {
    let (conn, ctx) = (s.conn, &s.ctx);
    match (verb, key) {
        (Verb::Create, key) => {
            let name = match key {
                Some(ItemKey::Key(k)) => Some(k),
                _ => None,
            };
            Ok((items::create(conn, ctx, parent, kind, name, w)?, true))
        }
        (Verb::Update, Some(key)) => Ok((items::update(conn, ctx, parent, kind, &key, w)?, false)),
        (Verb::Upsert, Some(ItemKey::Key(name))) => {
            let k = ItemKey::Key(name.clone());
            let existing = match items::get(conn, parent, kind, &k, ctx.now) {
                Ok(r) => Some(r),
                Err(SyncError::NotFound(_)) => None,
                Err(e) => return Err(e),
            };
            let mismatch = || SyncError::RevisionMismatch(RevisionTarget::MapItem);
            let condition = w.if_match.as_deref().map(str::trim).map(str::to_owned);
            match (existing, condition.as_deref()) {
                (None, None) | (None, Some("-1")) => {
                    let w = ItemWrite {
                        if_match: None,
                        ..w
                    };
                    Ok((items::create(conn, ctx, parent, kind, Some(name), w)?, true))
                }
                // A conditional write on a missing item is a stale revision: the client
                // re-reads (and then creates with `-1`), rather than taking the 404 as the
                // whole map being gone.
                (None, Some(_)) | (Some(_), Some("-1")) => Err(mismatch()),
                (Some(_), _) => Ok((items::update(conn, ctx, parent, kind, &k, w)?, false)),
            }
        }
        _ => Err(SyncError::MethodNotAllowed),
    }
}

/// Items with their `last_event_id`s (when the face shows them), read in the same
/// transaction.
fn with_ids(
    conn: &Connection,
    parent: &ObjectRow,
    rows: Vec<ItemRow>,
    event_ids: bool,
) -> Result<Vec<(ItemRow, i64)>, SyncError> {
    rows.into_iter()
        .map(|r| {
            let id = if event_ids {
                event_log::item_last_id(conn, &parent.sid, &r.key)?
            } else {
                0
            };
            Ok((r, id))
        })
        .collect()
}

/// Whether anything precedes this page, whatever bound it was read from.
fn any_before(
    s: &InService<'_>,
    parent: &ObjectRow,
    kind: ItemKind,
    q: &PageQuery,
    rows: &[ItemRow],
) -> Result<bool, SyncError> {
    let Some(first) = rows.first() else {
        return Ok(false);
    };
    let probe = PageQuery {
        cursor: Cursor::Before(first.key.to_value()),
        size: 1,
        descending: q.descending,
        from: None,
    };
    Ok(!items::page(s.conn, parent, kind, &probe, s.ctx.now)?
        .0
        .is_empty())
}
