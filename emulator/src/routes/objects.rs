//! `/v1/Services/{ServiceSid}/{Documents|Maps|Lists|Streams}[/{Sid}]`: the object-level
//! routes all four kinds share. They differ only in what a create or update reads (a
//! Document has `Data` and `If-Match`; its TTL is `Ttl`, as a Stream's; Maps and Lists
//! take `CollectionTtl` or its alias `Ttl`: the kinds' facts say which); items and
//! messages have routes of their own in `items` and `streams`. Each route only translates
//! its request into an [`Operation`].

use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;

use super::common::SyncRequest;
use super::extract::{if_match, Ids, Params};
use crate::error::SyncError;
use crate::ops::paging::Paging;
use crate::ops::params::MAX_DATA;
use crate::ops::{Input, Operation, Target, Verb};
use crate::state::Shared;
use crate::store::objects::Kind;

/// Create, list, fetch, update and delete for objects of `kind`.
pub fn routes(kind: Kind) -> Router<Shared> {
    let plural = kind.collection();
    let object = move |verb, id, input| Operation::new(kind, verb, Target::Object(id), input);
    Router::new()
        .route(
            &format!("/v1/Services/{{service}}/{plural}"),
            get(
                move |Ids(service): Ids<String>, r: SyncRequest| async move {
                    let paging = Some(Paging::parse(&r.params)?);
                    let input = Input {
                        paging,
                        ..Input::default()
                    };
                    let op = Operation::new(kind, Verb::List, Target::Collection, input);
                    r.serve(service, op).await
                },
            )
            .post(
                move |Ids(service): Ids<String>, r: SyncRequest| async move {
                    let p = &r.params;
                    let (unique_name, data, ttl) =
                        (p.unique_name()?, data(kind, p)?, ttl(kind, p)?);
                    let input = Input {
                        unique_name,
                        data,
                        ttl,
                        ..Input::default()
                    };
                    let op = Operation::new(kind, Verb::Create, Target::Collection, input);
                    r.serve(service, op).await
                },
            ),
        )
        .route(
            &format!("/v1/Services/{{service}}/{plural}/{{id}}"),
            get(
                move |Ids((service, id)): Ids<(String, String)>, r: SyncRequest| async move {
                    r.serve(service, object(Verb::Fetch, id, Input::default()))
                        .await
                },
            )
            .post(
                move |Ids((service, id)): Ids<(String, String)>, r: SyncRequest| async move {
                    let if_match = revision_condition(kind, &r.headers)?;
                    let (data, ttl) = (data(kind, &r.params)?, ttl(kind, &r.params)?);
                    let input = Input {
                        if_match,
                        data,
                        ttl,
                        ..Input::default()
                    };
                    r.serve(service, object(Verb::Update, id, input)).await
                },
            )
            .delete(
                move |Ids((service, id)): Ids<(String, String)>, r: SyncRequest| async move {
                    let if_match = revision_condition(kind, &r.headers)?;
                    let input = Input {
                        if_match,
                        ..Input::default()
                    };
                    r.serve(service, object(Verb::Delete, id, input)).await
                },
            ),
        )
}

/// A Document's `Data`; the other kinds hold no value of their own.
fn data(kind: Kind, p: &Params) -> Result<Option<String>, SyncError> {
    if kind.facts().shape.data {
        p.json_data(MAX_DATA)
    } else {
        Ok(None)
    }
}

/// The object TTL a create or update sets (a Map's or List's `CollectionTtl` wins over its
/// alias `Ttl`).
fn ttl(kind: Kind, p: &Params) -> Result<Option<u32>, SyncError> {
    p.ttl_of(kind.facts().shape.ttl_params)
}

/// `If-Match`: only Documents have a revision to condition an update or delete on.
fn revision_condition(kind: Kind, headers: &HeaderMap) -> Result<Option<String>, SyncError> {
    if kind.facts().shape.conditional {
        if_match(headers)
    } else {
        Ok(None)
    }
}
