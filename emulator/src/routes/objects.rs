//! `/v1/Services/{ServiceSid}/{Documents|Maps|Lists|Streams}[/{Sid}]`: the object-level
//! routes all four kinds share. They differ only in what a create or update reads (a
//! Document has `Data` and `If-Match`; its TTL is `Ttl`, as a Stream's; Maps and Lists
//! take `CollectionTtl` or its alias `Ttl`); items and messages have routes of their own
//! in `maps`, `lists` and `streams`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;

use super::common;
use super::extract::{if_match, Base, Form, Ids, Params, Query, MAX_DATA};
use crate::error::SyncError;
use crate::state::Shared;
use crate::store::objects::{Kind, NewObject, ObjectUpdate};

/// Create, list, fetch, update and delete for objects of `kind`.
pub fn routes(kind: Kind) -> Router<Shared> {
    let plural = kind.collection();
    Router::new()
        .route(
            &format!("/v1/Services/{{service}}/{plural}"),
            get(
                move |State(st): State<Shared>,
                      Base(base): Base,
                      Ids(service): Ids<String>,
                      Query(p): Query| async move {
                    common::list_objects(st, &base, service, kind, &p).await
                },
            )
            .post(
                move |State(st): State<Shared>,
                      Base(base): Base,
                      Ids(service): Ids<String>,
                      Form(p): Form| async move {
                    let new = NewObject {
                        unique_name: p.unique_name()?,
                        data: data(kind, &p)?,
                        ttl: ttl(kind, &p)?,
                    };
                    common::create_object(st, &base, service, kind, new).await
                },
            ),
        )
        .route(
            &format!("/v1/Services/{{service}}/{plural}/{{id}}"),
            get(
                move |State(st): State<Shared>,
                      Base(base): Base,
                      Ids((service, id)): Ids<(String, String)>| async move {
                    common::fetch_object(st, &base, service, kind, id).await
                },
            )
            .post(
                move |State(st): State<Shared>,
                      Base(base): Base,
                      Ids((service, id)): Ids<(String, String)>,
                      headers: HeaderMap,
                      Form(p): Form| async move {
                    let upd = ObjectUpdate {
                        if_match: revision_condition(kind, &headers)?,
                        data: data(kind, &p)?,
                        ttl: ttl(kind, &p)?,
                    };
                    common::update_object(st, &base, service, kind, id, upd).await
                },
            )
            .delete(
                move |State(st): State<Shared>,
                      Ids((service, id)): Ids<(String, String)>,
                      headers: HeaderMap| async move {
                    let condition = revision_condition(kind, &headers)?;
                    common::delete_object(st, service, kind, id, condition).await
                },
            ),
        )
}

/// A Document's `Data`; the other kinds hold no value of their own.
fn data(kind: Kind, p: &Params) -> Result<Option<String>, SyncError> {
    match kind {
        Kind::Document => p.json_data(MAX_DATA),
        Kind::Map | Kind::List | Kind::Stream => Ok(None),
    }
}

/// The object TTL a create or update sets.
fn ttl(kind: Kind, p: &Params) -> Result<Option<u32>, SyncError> {
    match kind {
        Kind::Document | Kind::Stream => p.ttl("Ttl"),
        Kind::Map | Kind::List => common::collection_ttl(p),
    }
}

/// `If-Match`: only Documents have a revision to condition an update or delete on.
fn revision_condition(kind: Kind, headers: &HeaderMap) -> Result<Option<String>, SyncError> {
    match kind {
        Kind::Document => if_match(headers),
        Kind::Map | Kind::List | Kind::Stream => Ok(None),
    }
}
