//! Documents: one JSON value per object, addressed by SID (`ET…`) or unique name.

use futures_util::Stream;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{Req, SyncClient};
use super::error::{SyncError, MAX_DATA_BYTES};
use super::meta::Meta;
use super::mutate::{self, data_json, Hint, Mutated};
use super::open::{self, OpenMode, Opened};
use super::pagination::{paginate, size_query};
use super::retry::Repeat;
use super::wire::{rfc3339_opt, segment, Ttl};
use super::write::WriteOptions;
use crate::webhook::is_sid;
use time::OffsetDateTime;

/// A Sync document as Sync returns it, with its data decoded as `T`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    bound(serialize = "T: Serialize", deserialize = "T: DeserializeOwned"),
    from = "FlatDocument<T>"
)]
pub struct Document<T = Value> {
    /// `ET…`
    #[serde(default)]
    pub sid: String,
    /// The unique name, if it has one.
    #[serde(default)]
    pub unique_name: Option<String>,
    /// Changes on every write; the `If-Match` value for conditional writes.
    pub revision: String,
    /// The document's value.
    pub data: T,
    /// Account, service, URL, dates and creator.
    #[serde(flatten)]
    pub meta: Meta,
}

/// A [`Document`]'s fields as Sync sends them, flat. Decoding through this instead of
/// `#[serde(flatten)]` reads `data` straight from the body: flatten first buffers every
/// field, the whole value included, and decodes both structs from that copy. A document
/// is decoded on every write of every webhook.
#[derive(Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned"))]
struct FlatDocument<T> {
    #[serde(default)]
    sid: String,
    #[serde(default)]
    unique_name: Option<String>,
    revision: String,
    data: T,
    #[serde(default)]
    account_sid: String,
    #[serde(default)]
    service_sid: String,
    #[serde(default)]
    url: String,
    #[serde(default, with = "rfc3339_opt")]
    date_expires: Option<OffsetDateTime>,
    #[serde(default, with = "rfc3339_opt")]
    date_created: Option<OffsetDateTime>,
    #[serde(default, with = "rfc3339_opt")]
    date_updated: Option<OffsetDateTime>,
    #[serde(default)]
    created_by: Option<String>,
}

impl<T> Document<T> {
    /// The document a successful write answered with, holding `data`, the value that
    /// write sent: Sync stores a document's data as sent, so only the other fields are
    /// read from the answer, and `data` is not parsed back (on every write of every
    /// webhook, it is most of the answer).
    pub(crate) fn from_written(body: &[u8], data: T) -> Result<Self, SyncError> {
        let flat: FlatDocument<serde::de::IgnoredAny> = super::client::decode(body)?;
        let Document {
            sid,
            unique_name,
            revision,
            data: _,
            meta,
        } = Document::from(flat);
        Ok(Document {
            sid,
            unique_name,
            revision,
            data,
            meta,
        })
    }
}

impl<T> From<FlatDocument<T>> for Document<T> {
    fn from(flat: FlatDocument<T>) -> Self {
        Document {
            sid: flat.sid,
            unique_name: flat.unique_name,
            revision: flat.revision,
            data: flat.data,
            meta: Meta {
                account_sid: flat.account_sid,
                service_sid: flat.service_sid,
                url: flat.url,
                date_expires: flat.date_expires,
                date_created: flat.date_created,
                date_updated: flat.date_updated,
                created_by: flat.created_by,
            },
        }
    }
}

/// One document, by SID or unique name. Made by [`SyncClient::document`]; cheap to clone.
///
/// ```no_run
/// use callflow::sync::{OpenMode, SyncClient, SyncConfig, Ttl};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Default)]
/// struct Call { stage: String, selections: Vec<String> }
///
/// # async fn demo(sync: SyncClient) -> Result<(), callflow::sync::SyncError> {
/// let doc = sync.document("call-CA123");
/// doc.open(OpenMode::CreateOrOpen, &Call::default(), Some(Ttl::secs(3600))).await?;
/// // Two webhooks doing this at once both land: the loser re-reads and re-applies.
/// let done = doc.mutate(|c: &mut Call| c.selections.push("1".into())).await?;
/// println!("now at revision {}", done.value.revision);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct DocumentHandle {
    client: SyncClient,
    id: String,
}

impl SyncClient {
    /// A handle on the document with this SID or unique name (no request is made).
    pub fn document(&self, sid_or_name: impl Into<String>) -> DocumentHandle {
        DocumentHandle {
            client: self.clone(),
            id: sid_or_name.into(),
        }
    }

    /// The service's documents as a collection: unnamed creates and listing.
    pub fn documents(&self) -> Documents {
        Documents {
            client: self.clone(),
        }
    }
}

impl DocumentHandle {
    /// The SID or unique name this handle addresses.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn url(&self) -> Result<String, SyncError> {
        Ok(self
            .client
            .url(&format!("Documents/{}", segment(&self.id)?)))
    }

    /// Open-existing: the document, or `NotFound`. One request.
    pub async fn fetch<T: DeserializeOwned>(&self) -> Result<Document<T>, SyncError> {
        let dl = self.client.start();
        open::fetch(&self.client, &self.url()?, &dl).await
    }

    /// Create-new with this handle's id as unique name; `AlreadyExists` when taken.
    pub async fn create<T: Serialize + DeserializeOwned>(
        &self,
        data: &T,
        ttl: Option<Ttl>,
    ) -> Result<Document<T>, SyncError> {
        Ok(self.open(OpenMode::CreateNew, data, ttl).await?.value)
    }

    /// Opens in any [`OpenMode`]: [`OpenMode::CreateOrOpen`] costs 1 request when the
    /// document is new (data and TTL in the same request), 2 when it exists (409, then
    /// fetch); [`OpenMode::OpenOrCreate`] 1 when it exists, 2 when it does not (3 when
    /// another creator wins the race). `initial` and `ttl` apply only if this call
    /// creates it. A SID cannot name a new document, so with a SID the open-or-create
    /// modes only fetch.
    pub async fn open<T: Serialize + DeserializeOwned>(
        &self,
        mode: OpenMode,
        initial: &T,
        ttl: Option<Ttl>,
    ) -> Result<Opened<Document<T>>, SyncError> {
        let mode = match mode {
            OpenMode::OpenOrCreate | OpenMode::CreateOrOpen if is_sid(&self.id, "ET") => {
                OpenMode::OpenExisting
            }
            m => m,
        };
        let json = data_json(initial, MAX_DATA_BYTES)?;
        let sent: Value =
            serde_json::from_str(&json).map_err(|e| SyncError::Decode(e.to_string()))?;
        let mut form = vec![("UniqueName", self.id.clone()), ("Data", json)];
        if let Some(t) = ttl {
            form.push(("Ttl", t.as_secs().to_string()));
        }
        let create = Req::post(self.client.url("Documents"), form, Repeat::Always);
        let ours = move |v: &Value| v.get("data") == Some(&sent);
        open::open(&self.client, mode, &create, &self.url()?, &ours).await
    }

    /// Replaces the value (last writer wins). Prefer [`mutate`](Self::mutate) when the
    /// new value depends on the old one.
    pub async fn update<T: Serialize + DeserializeOwned>(
        &self,
        data: &T,
    ) -> Result<Document<T>, SyncError> {
        self.update_with(data, &WriteOptions::new()).await
    }

    /// Replaces the value with a condition and/or a new TTL.
    pub async fn update_with<T: Serialize + DeserializeOwned>(
        &self,
        data: &T,
        opts: &WriteOptions,
    ) -> Result<Document<T>, SyncError> {
        let mut form = vec![("Data", data_json(data, MAX_DATA_BYTES)?)];
        form.extend(opts.document_form()?);
        let req = Req::post(self.url()?, form, Repeat::Always).if_match(opts.if_match.clone());
        let dl = self.client.start();
        self.client.json(&req, &dl).await
    }

    /// Sets (or with [`Ttl::NEVER`] clears) the expiry without touching the value.
    pub async fn set_ttl(&self, ttl: Ttl) -> Result<Document<Value>, SyncError> {
        let req = Req::post(
            self.url()?,
            vec![("Ttl", ttl.as_secs().to_string())],
            Repeat::Always,
        );
        let dl = self.client.start();
        self.client.json(&req, &dl).await
    }

    /// Deletes the document; `NotFound` if it does not exist.
    pub async fn delete(&self) -> Result<(), SyncError> {
        self.client.delete(Req::delete(self.url()?)).await
    }

    /// Safe read-modify-write: fetch, apply `f`, update with `If-Match`, and on a
    /// revision mismatch re-read and re-apply (bounded). 2 requests without contention;
    /// 1 when `f` changes nothing.
    pub async fn mutate<T, F>(&self, f: F) -> Result<Mutated<Document<T>>, SyncError>
    where
        T: Serialize + DeserializeOwned,
        F: FnMut(&mut T),
    {
        mutate::run(
            &self.client,
            &self.url()?,
            None,
            &[],
            Document::from_written,
            f,
        )
        .await
    }

    /// [`mutate`](Self::mutate) starting from a document this process saw before: the
    /// first write goes straight out with `If-Match: hint.revision` (1 request when
    /// nobody wrote since); only a 412 costs a read. With `None` it is `mutate`. If `f`
    /// changes nothing on the hint, a fresh read confirms it (the hint may be stale).
    ///
    /// ```no_run
    /// use callflow::sync::{Document, SyncClient};
    /// use serde_json::{json, Value};
    ///
    /// # async fn demo(sync: SyncClient, mut last_seen: Option<Document<Value>>) -> Result<(), callflow::sync::SyncError> {
    /// // A warm Lambda keeps the last document it saw for this call.
    /// let doc = sync.document("call-CA123");
    /// let done = doc
    ///     .mutate_from(last_seen.as_ref(), |v: &mut Value| {
    ///         if v["applied"].as_array().is_none_or(|a| !a.contains(&json!("token-1"))) {
    ///             v["stage"] = json!("menu");
    ///             v["applied"] = json!(["token-1"]);
    ///         } // else: already applied, no write
    ///     })
    ///     .await?;
    /// last_seen = Some(done.value);
    /// # let _ = last_seen; Ok(()) }
    /// ```
    pub async fn mutate_from<T, F>(
        &self,
        hint: Option<&Document<T>>,
        f: F,
    ) -> Result<Mutated<Document<T>>, SyncError>
    where
        T: Serialize + DeserializeOwned + Clone,
        F: FnMut(&mut T),
    {
        let hint = hint.map(hint_of);
        mutate::run(
            &self.client,
            &self.url()?,
            hint,
            &[],
            Document::from_written,
            f,
        )
        .await
    }

    /// [`mutate_from`](Self::mutate_from) that also sets the TTL with the write.
    pub async fn mutate_with_ttl<T, F>(
        &self,
        hint: Option<&Document<T>>,
        ttl: Ttl,
        f: F,
    ) -> Result<Mutated<Document<T>>, SyncError>
    where
        T: Serialize + DeserializeOwned + Clone,
        F: FnMut(&mut T),
    {
        let hint = hint.map(hint_of);
        let extra = [("Ttl", ttl.as_secs().to_string())];
        mutate::run(
            &self.client,
            &self.url()?,
            hint,
            &extra,
            Document::from_written,
            f,
        )
        .await
    }
}

fn hint_of<T: Clone>(d: &Document<T>) -> Hint<T> {
    Hint::of(&d.data, &d.revision)
}

/// The service's documents as a collection. Made by [`SyncClient::documents`].
#[derive(Debug, Clone)]
pub struct Documents {
    client: SyncClient,
}

impl Documents {
    /// Creates a document with no unique name (Sync assigns the SID). Not repeated
    /// after a lost answer, since a repeat would make a second document.
    pub async fn create<T: Serialize + DeserializeOwned>(
        &self,
        data: &T,
        ttl: Option<Ttl>,
    ) -> Result<Document<T>, SyncError> {
        let mut form = vec![("Data", data_json(data, MAX_DATA_BYTES)?)];
        if let Some(t) = ttl {
            form.push(("Ttl", t.as_secs().to_string()));
        }
        let req = Req::post(self.client.url("Documents"), form, Repeat::IfNotApplied);
        let dl = self.client.start();
        self.client.json(&req, &dl).await
    }

    /// Every document, fetched lazily page by page.
    pub fn stream<T>(
        &self,
        page_size: Option<u32>,
    ) -> impl Stream<Item = Result<Document<T>, SyncError>> + Send + Unpin + 'static
    where
        T: DeserializeOwned + Send + 'static,
    {
        let first = size_query(page_size).map(|q| (self.client.url("Documents"), q));
        paginate(self.client.clone(), first)
    }
}
