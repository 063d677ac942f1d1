//! What map items and list items share: the value type wrapper and the item write
//! loops (conditional writes, set-or-create).

use serde::de::DeserializeOwned;

use super::client::{decode, Req, SyncClient};
use super::error::SyncError;

/// Update-or-create in either order, for a keyed item. `update` replaces the value;
/// `create` makes the item. A miss on one (404 / 409) switches to the other, so whoever
/// wins a race, this caller's value is the one stored when it returns, and it gets the
/// item as stored. Bounded, in case the item keeps vanishing (expiry) and reappearing.
pub(crate) async fn upsert<R: DeserializeOwned>(
    client: &SyncClient,
    update: &Req,
    create: &Req,
    update_first: bool,
) -> Result<R, SyncError> {
    let dl = client.start();
    let mut updating = update_first;
    let mut last = None;
    for _ in 0..4 {
        let req = if updating { update } else { create };
        match client.execute(req, &dl).await.result {
            Ok(body) => return decode(&body),
            Err(e) if (updating && e.is_not_found()) || (!updating && e.is_already_exists()) => {
                last = Some(e);
                updating = !updating;
            }
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| SyncError::invalid("upsert made no attempt")))
}
