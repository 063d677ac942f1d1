//! `/v1/Services/{ServiceSid}/{Documents|Maps|Lists}/{Sid}/Permissions[/{Identity}]`:
//! list, fetch, update (create or replace) and delete an identity's Sync Permission on
//! an object. What they grant is enforced on the realtime socket of a service with
//! `AclEnabled` (see `store::permissions`); a change ends the subscriptions of live
//! realtime sessions that it no longer allows (see `realtime::session`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::common::no_content;
use super::extract::{Base, Form, Ids, Params, Query};
use crate::error::SyncError;
use crate::ops::paging::Paging;
use crate::ops::render::{self, encode_component};
use crate::state::Shared;
use crate::store::objects::{Kind, ObjectRow};
use crate::store::permissions::{self, Permission};

/// The permission routes of `kind` (Documents, Maps or Lists; Streams have none).
pub fn routes(kind: Kind) -> Router<Shared> {
    let plural = kind.collection();
    Router::new()
        .route(
            &format!("/v1/Services/{{service}}/{plural}/{{id}}/Permissions"),
            get(
                move |State(st): State<Shared>,
                      Base(base): Base,
                      Ids((service, id)): Ids<(String, String)>,
                      Query(p): Query| async move {
                    list(st, &base, service, kind, id, &p).await
                },
            ),
        )
        .route(
            &format!("/v1/Services/{{service}}/{plural}/{{id}}/Permissions/{{identity}}"),
            get(
                move |State(st): State<Shared>,
                      Base(base): Base,
                      Ids((service, id, identity)): Ids<(String, String, String)>| async move {
                    fetch(st, &base, service, kind, id, identity).await
                },
            )
            .post(
                move |State(st): State<Shared>,
                      Base(base): Base,
                      Ids((service, id, identity)): Ids<(String, String, String)>,
                      Form(p): Form| async move {
                    let flags = Permission {
                        identity,
                        read: flag(&p, "Read")?,
                        write: flag(&p, "Write")?,
                        manage: flag(&p, "Manage")?,
                    };
                    update(st, &base, service, kind, id, flags).await
                },
            )
            .delete(
                move |State(st): State<Shared>,
                      Ids((service, id, identity)): Ids<(String, String, String)>| async move {
                    delete(st, service, kind, id, identity).await
                },
            ),
        )
}

/// A required `true`/`false` parameter.
fn flag(p: &Params, name: &'static str) -> Result<bool, SyncError> {
    p.boolean(name)?.ok_or(SyncError::MissingParameter(name))
}

fn url(base: &str, object: &ObjectRow, identity: &str) -> String {
    format!(
        "{}/Permissions/{}",
        render::object_url(base, object),
        encode_component(identity)
    )
}

fn body(base: &str, account_sid: &str, object: &ObjectRow, p: &Permission) -> Value {
    let mut v = json!({
        "account_sid": account_sid,
        "service_sid": object.service_sid,
        "identity": p.identity,
        "read": p.read,
        "write": p.write,
        "manage": p.manage,
        "url": url(base, object, &p.identity),
    });
    // `document_sid`, `map_sid` or `list_sid`.
    v[format!("{}_sid", object.kind.tag())] = json!(object.sid);
    v
}

fn not_found(object: &ObjectRow, identity: &str) -> SyncError {
    SyncError::NotFound(format!(
        "/Services/{}/{}/{}/Permissions/{identity}",
        object.service_sid,
        object.kind.collection(),
        object.sid
    ))
}

async fn list(
    st: Shared,
    base: &str,
    service: String,
    kind: Kind,
    id: String,
    params: &Params,
) -> Result<Response, SyncError> {
    let paging = Paging::parse(params)?;
    let q = paging.query.clone();
    let (object, rows, more) = st
        .read_in(service, move |s| {
            let object = s.object(kind, &id)?;
            let (rows, more) = permissions::page(s.conn, &object.sid, &q)?;
            Ok((object, rows, more))
        })
        .await?;
    let collection = format!("{}/Permissions", render::object_url(base, &object));
    let text = |p: &Permission| rusqlite::types::Value::Text(p.identity.clone());
    let meta = paging.meta(
        &collection,
        "permissions",
        more,
        rows.first().map(text),
        rows.last().map(text),
    );
    let list: Vec<Value> = rows
        .iter()
        .map(|p| body(base, &st.account_sid, &object, p))
        .collect();
    Ok(render::respond(
        StatusCode::OK,
        json!({ "permissions": list, "meta": meta }),
        None,
    ))
}

async fn fetch(
    st: Shared,
    base: &str,
    service: String,
    kind: Kind,
    id: String,
    identity: String,
) -> Result<Response, SyncError> {
    let (object, found) = st
        .read_in(service, move |s| {
            let object = s.object(kind, &id)?;
            let found = permissions::get(s.conn, &object.sid, &identity)?
                .ok_or_else(|| not_found(&object, &identity))?;
            Ok((object, found))
        })
        .await?;
    Ok(render::respond(
        StatusCode::OK,
        body(base, &st.account_sid, &object, &found),
        None,
    ))
}

async fn update(
    st: Shared,
    base: &str,
    service: String,
    kind: Kind,
    id: String,
    flags: Permission,
) -> Result<Response, SyncError> {
    let (object, flags) = st
        .write_permission_in(service, move |s| {
            let object = s.object(kind, &id)?;
            permissions::set(s.conn, &object.sid, &flags)?;
            let (sid, identity) = (object.sid.clone(), flags.identity.clone());
            Ok(((object, flags), sid, identity))
        })
        .await?;
    Ok(render::respond(
        StatusCode::OK,
        body(base, &st.account_sid, &object, &flags),
        None,
    ))
}

async fn delete(
    st: Shared,
    service: String,
    kind: Kind,
    id: String,
    identity: String,
) -> Result<Response, SyncError> {
    st.write_permission_in(service, move |s| {
        let object = s.object(kind, &id)?;
        if permissions::delete(s.conn, &object.sid, &identity)? {
            Ok(((), object.sid, identity))
        } else {
            Err(not_found(&object, &identity))
        }
    })
    .await?;
    Ok(no_content())
}
