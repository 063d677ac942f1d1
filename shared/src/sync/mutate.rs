//! Safe read-modify-write for documents, map items and list items.
//!
//! The Node pattern (fetch, merge, blind update) loses one of two overlapping webhooks'
//! changes. Here the write carries `If-Match: <revision read>`; when another writer got
//! there first Sync answers 412, and the closure is re-applied to a fresh read, a
//! bounded number of rounds with jittered back-off between them.
//!
//! A write whose answer was lost (timeout, broken connection, 5xx) is repeated with the
//! same `If-Match`; if the first copy had landed, the repeat meets 412. The fresh read
//! then holds exactly the value we wrote at a new revision, and that is reported as our
//! success instead of being applied a second time.
//!
//! The closure edits the value in place. When it leaves the value as it was (an
//! idempotent step already applied), nothing is written.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::client::{decode, Req, SyncClient};
use super::error::{SyncError, TwilioError, MAX_DATA_BYTES};
use super::open::{fetch, from_value};
use super::retry::{self, Repeat};

/// The result of a `mutate`: the stored resource and whether this call wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mutated<R> {
    /// The resource after the mutation (or as found, when nothing changed).
    pub value: R,
    /// False when the closure changed nothing and no write was made.
    pub changed: bool,
    /// Conditional writes sent (0 when nothing changed).
    pub attempts: u32,
}

/// The current data and revision of a resource, as a warm process remembers it.
pub(crate) struct Hint {
    pub data: Value,
    pub revision: String,
}

impl Hint {
    /// The hint for a resource this process holds: its value as JSON and its revision.
    pub(crate) fn of<T: Serialize>(data: &T, revision: &str) -> Result<Hint, SyncError> {
        Ok(Hint {
            data: serde_json::to_value(data).map_err(|e| SyncError::Decode(e.to_string()))?,
            revision: revision.to_owned(),
        })
    }
}

/// Serializes `value` as Sync's `Data`, refusing it locally when over `limit`.
pub(crate) fn data_json<T: Serialize + ?Sized>(
    value: &T,
    limit: usize,
) -> Result<String, SyncError> {
    let json = serde_json::to_string(value)
        .map_err(|e| SyncError::Decode(format!("value does not serialize: {e}")))?;
    if json.len() > limit {
        return Err(SyncError::too_large(json.len(), limit));
    }
    Ok(json)
}

fn split(whole: &Value) -> Result<(Value, String), SyncError> {
    let data = whole.get("data").cloned().unwrap_or(Value::Null);
    let revision = whole
        .get("revision")
        .and_then(Value::as_str)
        .ok_or_else(|| SyncError::Decode("resource without a revision".into()))?
        .to_owned();
    Ok((data, revision))
}

/// The mutate loop over one resource URL. `extra` is sent with every write (TTLs).
pub(crate) async fn run<R, T, F>(
    client: &SyncClient,
    url: &str,
    hint: Option<Hint>,
    extra: &[(&'static str, String)],
    mut f: F,
) -> Result<Mutated<R>, SyncError>
where
    R: DeserializeOwned,
    T: Serialize + DeserializeOwned,
    F: FnMut(&mut T),
{
    let dl = client.start();
    let cfg = client.config();
    let mut writes = 0u32;
    // (data, revision, the whole resource when it came from a read in this call)
    let mut current: Option<(Value, String, Option<Value>)> =
        hint.map(|h| (h.data, h.revision, None));
    loop {
        let (data, revision, whole) = match current.take() {
            Some(c) => c,
            None => {
                let whole: Value = fetch(client, url, &dl).await?;
                let (d, r) = split(&whole)?;
                (d, r, Some(whole))
            }
        };
        let from_hint = whole.is_none();
        let mut value: T = from_value(data.clone())?;
        f(&mut value);
        let new = serde_json::to_value(&value).map_err(|e| SyncError::Decode(e.to_string()))?;
        if new == data {
            match whole {
                Some(w) => {
                    return Ok(Mutated {
                        value: from_value(w)?,
                        changed: false,
                        attempts: writes,
                    })
                }
                // "No change" judged on a remembered value may be stale: confirm on a read.
                None => continue,
            }
        }
        let json = data_json(&new, MAX_DATA_BYTES)?;
        writes += 1;
        let mut form = vec![("Data", json)];
        form.extend(extra.iter().cloned());
        let req = Req::post(url.to_owned(), form, Repeat::Always).if_match(Some(revision.clone()));
        let sent = client.execute(&req, &dl).await;
        match sent.result {
            Ok(body) => {
                return Ok(Mutated {
                    value: decode(&body)?,
                    changed: true,
                    attempts: writes,
                })
            }
            Err(SyncError::RevisionMismatch(e)) => {
                if writes >= cfg.mutate_attempts {
                    return Err(exhausted(e, writes));
                }
                // A stale hint is not contention: re-read at once. A lost race backs
                // off first so that the contenders spread out.
                if !from_hint && !dl.sleep(retry::backoff(cfg, writes, None)).await {
                    return Err(exhausted(e, writes));
                }
                crate::metrics::add(crate::metrics::Counter::ConflictsReapplied, 1);
                let whole: Value = fetch(client, url, &dl).await?;
                let (d, r) = split(&whole)?;
                if sent.ambiguous && r != revision && d == new {
                    tracing::debug!(url, "lost answer to a conditional write: it had landed");
                    return Ok(Mutated {
                        value: from_value(whole)?,
                        changed: true,
                        attempts: writes,
                    });
                }
                current = Some((d, r, Some(whole)));
            }
            Err(e) => return Err(e),
        }
    }
}

fn exhausted(mut e: TwilioError, writes: u32) -> SyncError {
    e.message = format!(
        "{} (gave up after {writes} conditional write(s))",
        e.message
    );
    SyncError::RevisionMismatch(e)
}
