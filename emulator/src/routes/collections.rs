//! `/v1/Services/{ServiceSid}/{Maps|Lists|Streams}[/{Sid}]`: the object-level routes the
//! three collection kinds share. They differ only in the kind and in the TTL parameter a
//! stream takes (`Ttl`; maps and lists also accept `CollectionTtl`); their items and
//! messages have routes of their own in `maps`, `lists` and `streams`.

use axum::extract::State;
use axum::routing::get;
use axum::Router;

use super::common;
use super::extract::{Base, Form, Ids, Params, Query};
use crate::error::SyncError;
use crate::state::Shared;
use crate::store::objects::{Kind, NewObject, ObjectUpdate};

/// Create, list, fetch, update and delete for collections of `kind`.
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
                        data: None,
                        ttl: ttl(kind, &p)?,
                    };
                    common::create_collection(st, &base, service, kind, new).await
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
                      Form(p): Form| async move {
                    let upd = ObjectUpdate {
                        ttl: ttl(kind, &p)?,
                        ..Default::default()
                    };
                    common::update_collection(st, &base, service, kind, id, upd).await
                },
            )
            .delete(
                move |State(st): State<Shared>, Ids((service, id)): Ids<(String, String)>| async move {
                    common::delete_object(st, service, kind, id, None).await
                },
            ),
        )
}

/// The object TTL a create or update sets.
fn ttl(kind: Kind, p: &Params) -> Result<Option<u32>, SyncError> {
    match kind {
        Kind::Stream => p.ttl("Ttl"),
        _ => common::collection_ttl(p),
    }
}
