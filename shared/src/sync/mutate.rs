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
pub(crate) struct Hint<T> {
    pub data: T,
    pub revision: String,
}

impl<T: Clone> Hint<T> {
    /// The hint for a resource this process holds: a copy of its value, and its revision.
    pub(crate) fn of(data: &T, revision: &str) -> Hint<T> {
        Hint {
            data: data.clone(),
            revision: revision.to_owned(),
        }
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
///
/// Whether the closure changed anything is judged on the value's JSON before and after
/// it ran: one serialization each, no `serde_json::Value` trees on the way (the warm
/// path, from a hint, builds none at all).
///
/// `answer` makes the result from a successful write's answer and the value written;
/// [`decode_answer`] parses the whole answer, while a resource type that can take the
/// value it holds from us skips parsing `data` back (documents: see
/// [`Document::from_written`](super::Document)).
pub(crate) async fn run<R, T, F>(
    client: &SyncClient,
    url: &str,
    hint: Option<Hint<T>>,
    extra: &[(&'static str, String)],
    answer: fn(&[u8], T) -> Result<R, SyncError>,
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
    // (value, revision, the whole resource when it came from a read in this call)
    let mut current: Option<(T, String, Option<Value>)> = hint.map(|h| (h.data, h.revision, None));
    loop {
        let (mut value, revision, whole) = match current.take() {
            Some(c) => c,
            None => read(client, url, &dl).await?,
        };
        let from_hint = whole.is_none();
        let before = to_json(&value)?;
        f(&mut value);
        let json = to_json(&value)?;
        if json == before {
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
        if json.len() > MAX_DATA_BYTES {
            return Err(SyncError::too_large(json.len(), MAX_DATA_BYTES));
        }
        writes += 1;
        let mut form = Vec::with_capacity(1 + extra.len());
        form.push(("Data", json));
        form.extend(extra.iter().cloned());
        let req = Req::post(url.to_owned(), form, Repeat::Always).if_match(Some(revision.clone()));
        let sent = client.execute(&req, &dl).await;
        match sent.result {
            Ok(body) => {
                return Ok(Mutated {
                    value: answer(&body, value)?,
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
                if sent.ambiguous && r != revision && written(&req) == Some(d.clone()) {
                    tracing::debug!(url, "lost answer to a conditional write: it had landed");
                    return Ok(Mutated {
                        value: from_value(whole)?,
                        changed: true,
                        attempts: writes,
                    });
                }
                current = Some((from_value(d)?, r, Some(whole)));
            }
            Err(e) => return Err(e),
        }
    }
}

/// The result of a write as the answer says, `data` included: for resources that cannot
/// take their value from the caller.
pub(crate) fn decode_answer<R: DeserializeOwned, T>(
    body: &[u8],
    _written: T,
) -> Result<R, SyncError> {
    decode(body)
}

/// A fresh read: the value, its revision and the whole resource.
async fn read<T: DeserializeOwned>(
    client: &SyncClient,
    url: &str,
    dl: &super::retry::Deadline,
) -> Result<(T, String, Option<Value>), SyncError> {
    let whole: Value = fetch(client, url, dl).await?;
    let (data, revision) = split(&whole)?;
    Ok((from_value(data)?, revision, Some(whole)))
}

fn to_json<T: Serialize>(value: &T) -> Result<String, SyncError> {
    serde_json::to_string(value)
        .map_err(|e| SyncError::Decode(format!("value does not serialize: {e}")))
}

/// The `Data` a write sent, as JSON.
fn written(req: &Req) -> Option<Value> {
    let (_, json) = req.form.iter().find(|(name, _)| *name == "Data")?;
    serde_json::from_str(json).ok()
}

fn exhausted(mut e: TwilioError, writes: u32) -> SyncError {
    e.message = format!(
        "{} (gave up after {writes} conditional write(s))",
        e.message
    );
    SyncError::RevisionMismatch(e)
}
