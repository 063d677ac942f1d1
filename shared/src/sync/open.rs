//! Open modes, as in the Sync JS client: open-existing (fetch), create-new (create) and
//! open-or-create, plus the create-or-fetch race handling they share.
//!
//! Two creators racing for one name both see "not found"; one create wins and the
//! other gets 409. The loser fetches the winner, so every caller ends with the same
//! object and no error. A create repeated after a lost answer can meet its own first
//! attempt as a 409; then the fetched object is compared with what we sent, so the
//! caller is told "created" rather than a spurious "already exists".

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::client::{decode, Req, SyncClient};
use super::error::SyncError;
use super::retry::Deadline;

/// How to open a Sync object (the JS client's `mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Fetch; create when missing. Costs 1 request when the object exists.
    OpenOrCreate,
    /// Create; fetch on 409. Costs 1 request when the object is new.
    CreateOrOpen,
    /// Fetch only; `NotFound` when missing.
    OpenExisting,
    /// Create only; `AlreadyExists` when the name is taken.
    CreateNew,
}

/// An opened object and whether this call created it.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened<R> {
    /// The object as Sync returned it.
    pub value: R,
    /// True when this call's create made it.
    pub created: bool,
}

/// How many times a create/fetch pair is retried when the object vanishes in between
/// (deleted or expired between our 409 and our fetch).
const VANISH_ROUNDS: u32 = 3;

/// The four modes over one create request and one fetch URL. `ours` says whether a
/// fetched resource holds what our create sent.
pub(crate) async fn open<R: DeserializeOwned>(
    client: &SyncClient,
    mode: OpenMode,
    create: &Req,
    fetch_url: &str,
    ours: &(dyn Fn(&Value) -> bool + Sync),
) -> Result<Opened<R>, SyncError> {
    let dl = client.start();
    match mode {
        OpenMode::OpenExisting => Ok(Opened {
            value: fetch(client, fetch_url, &dl).await?,
            created: false,
        }),
        OpenMode::CreateNew => {
            let sent = client.execute(create, &dl).await;
            match sent.result {
                Ok(body) => Ok(Opened {
                    value: decode(&body)?,
                    created: true,
                }),
                Err(SyncError::AlreadyExists(e)) if sent.ambiguous => {
                    // Our earlier attempt may be the one that exists.
                    let v: Value = fetch(client, fetch_url, &dl).await?;
                    if ours(&v) {
                        Ok(Opened {
                            value: from_value(v)?,
                            created: true,
                        })
                    } else {
                        Err(SyncError::AlreadyExists(e))
                    }
                }
                Err(e) => Err(e),
            }
        }
        OpenMode::OpenOrCreate => match fetch(client, fetch_url, &dl).await {
            Ok(v) => Ok(Opened {
                value: v,
                created: false,
            }),
            Err(SyncError::NotFound(_)) => {
                create_or_fetch(client, create, fetch_url, ours, &dl).await
            }
            Err(e) => Err(e),
        },
        OpenMode::CreateOrOpen => create_or_fetch(client, create, fetch_url, ours, &dl).await,
    }
}

async fn create_or_fetch<R: DeserializeOwned>(
    client: &SyncClient,
    create: &Req,
    fetch_url: &str,
    ours: &(dyn Fn(&Value) -> bool + Sync),
    dl: &Deadline,
) -> Result<Opened<R>, SyncError> {
    let mut round = 0;
    loop {
        round += 1;
        let sent = client.execute(create, dl).await;
        match sent.result {
            Ok(body) => {
                return Ok(Opened {
                    value: decode(&body)?,
                    created: true,
                })
            }
            Err(SyncError::AlreadyExists(_)) => match fetch::<Value>(client, fetch_url, dl).await {
                Ok(v) => {
                    let created = sent.ambiguous && ours(&v);
                    return Ok(Opened {
                        value: from_value(v)?,
                        created,
                    });
                }
                Err(SyncError::NotFound(e)) if round >= VANISH_ROUNDS => {
                    return Err(SyncError::NotFound(e))
                }
                Err(SyncError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            },
            Err(e) => return Err(e),
        }
    }
}

pub(crate) async fn fetch<R: DeserializeOwned>(
    client: &SyncClient,
    url: &str,
    dl: &Deadline,
) -> Result<R, SyncError> {
    client.json(&Req::get(url.to_owned()), dl).await
}

pub(crate) fn from_value<R: DeserializeOwned>(v: Value) -> Result<R, SyncError> {
    serde_json::from_value(v).map_err(|e| SyncError::Decode(e.to_string()))
}
