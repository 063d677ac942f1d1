//! The HTTP face: one router built from the per-resource route files, wrapped in
//! Basic auth and request counting, with Twilio-shaped answers for unknown paths.

pub(crate) mod auth;
mod common;
pub mod extract;
mod flows;
mod items;
mod objects;
mod permissions;
mod services;
mod stats;
mod streams;

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::error::SyncError;
use crate::state::Shared;
use crate::store::items::ItemKind;
use crate::store::objects::KINDS;

/// The complete router with its state inside.
pub fn router(state: Shared) -> Router {
    Router::new()
        .merge(services::routes())
        .merge(sync_objects())
        .merge(streams::routes())
        .merge(stats::routes())
        .merge(flows::routes())
        .merge(crate::api::routes())
        .merge(crate::realtime::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Every object kind's routes (with its items and Permissions where it has them), read
/// from the kinds' facts: a new kind is served without a line here.
fn sync_objects() -> Router<Shared> {
    let mut router = Router::new();
    for facts in &KINDS {
        router = router.merge(objects::routes(facts.kind));
        if facts.shape.permissions {
            router = router.merge(permissions::routes(facts.kind));
        }
    }
    for kind in ItemKind::ALL {
        router = router.merge(items::routes(kind));
    }
    router
}

async fn not_found(req: Request) -> SyncError {
    SyncError::NotFound(req.uri().path().trim_start_matches("/v1").to_owned())
}

async fn method_not_allowed() -> SyncError {
    SyncError::MethodNotAllowed
}

/// Checks credentials before anything else and counts the Sync API requests served.
async fn guard(State(st): State<Shared>, req: Request, next: Next) -> Response {
    // The realtime socket authenticates with the access token in its `init` frame.
    if req.uri().path() == crate::realtime::PATH {
        return next.run(req).await;
    }
    if !auth::authorized(&st, req.headers())
        && !crate::api::key_authorized(&st, req.headers()).await
    {
        return SyncError::Unauthorized.into_response();
    }
    // IAM's `/v1/Keys` shares the version prefix but is not Sync.
    if req.uri().path().starts_with("/v1/") && !req.uri().path().starts_with("/v1/Keys") {
        st.stats.record(req.method().as_str());
    }
    next.run(req).await
}
