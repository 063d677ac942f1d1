//! Lists and list items: ordered JSON values that Sync indexes as they are appended.

use futures_util::Stream;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::client::{Req, SyncClient};
use super::error::{SyncError, MAX_DATA_BYTES};
use super::mutate::{self, data_json, Hint, Mutated};
use super::objects::{object_methods, ObjectRef, LISTS};
use super::open;
use super::pagination::{paginate, PageOptions};
use super::retry::Repeat;
use super::wire::{rfc3339_opt, Ttl};
use super::write::{item_ttls, WriteOptions};

/// A list item as Sync returns it, with its data decoded as `T`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: DeserializeOwned"))]
pub struct ListItem<T = Value> {
    /// The item's index, assigned by Sync on append.
    pub index: u64,
    /// `AC…`
    #[serde(default)]
    pub account_sid: String,
    /// `IS…`
    #[serde(default)]
    pub service_sid: String,
    /// `ES…` of the list.
    #[serde(default)]
    pub list_sid: String,
    /// The resource URL.
    #[serde(default)]
    pub url: String,
    /// Changes on every write; the `If-Match` value for conditional writes.
    pub revision: String,
    /// The item's value.
    pub data: T,
    /// When Sync will delete it; `None` for no expiry.
    #[serde(default, with = "rfc3339_opt")]
    pub date_expires: Option<OffsetDateTime>,
    /// Creation time.
    #[serde(default, with = "rfc3339_opt")]
    pub date_created: Option<OffsetDateTime>,
    /// Last write time.
    #[serde(default, with = "rfc3339_opt")]
    pub date_updated: Option<OffsetDateTime>,
    /// The identity that created it.
    #[serde(default)]
    pub created_by: Option<String>,
}

/// One list, by SID or unique name. Made by [`SyncClient::list`]; cheap to clone.
///
/// ```no_run
/// use callflow::sync::{PageOptions, SyncClient, Ttl};
/// use futures_util::TryStreamExt;
/// use serde_json::{json, Value};
///
/// # async fn demo(sync: SyncClient) -> Result<(), callflow::sync::SyncError> {
/// let log = sync.list("call-log");
/// log.open_or_create(Some(Ttl::secs(86_400))).await?;
/// let item = log.items().push(&json!({"event": "answered"}), None).await?;
/// let all: Vec<_> = log.items().stream::<Value>(PageOptions::default()).try_collect().await?;
/// assert!(all.iter().any(|i| i.index == item.index));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ListHandle {
    obj: ObjectRef,
}

impl SyncClient {
    /// A handle on the list with this SID or unique name (no request is made).
    pub fn list(&self, sid_or_name: impl Into<String>) -> ListHandle {
        ListHandle {
            obj: ObjectRef {
                client: self.clone(),
                kind: LISTS,
                id: sid_or_name.into(),
            },
        }
    }
}

impl ListHandle {
    object_methods!("list");

    /// A handle on the item at `index`.
    pub fn item(&self, index: u64) -> ListItemHandle {
        ListItemHandle {
            list: self.obj.clone(),
            index,
        }
    }

    /// The list's items: append and listing.
    pub fn items(&self) -> ListItems {
        ListItems {
            list: self.obj.clone(),
        }
    }
}

/// All items of one list. Made by [`ListHandle::items`].
#[derive(Debug, Clone)]
pub struct ListItems {
    list: ObjectRef,
}

impl ListItems {
    /// Appends an item; Sync assigns its index. A lost answer is not repeated (a
    /// repeat would append twice), so such a failure surfaces as `Transport`,
    /// `Timeout` or `Server` and the item may or may not exist.
    pub async fn push<T: Serialize + DeserializeOwned>(
        &self,
        data: &T,
        ttl: Option<Ttl>,
    ) -> Result<ListItem<T>, SyncError> {
        self.push_with(
            data,
            &WriteOptions {
                ttl,
                ..WriteOptions::default()
            },
        )
        .await
    }

    /// [`push`](Self::push) with an `ItemTtl` and a `CollectionTtl`.
    pub async fn push_with<T: Serialize + DeserializeOwned>(
        &self,
        data: &T,
        opts: &WriteOptions,
    ) -> Result<ListItem<T>, SyncError> {
        if opts.if_match.is_some() {
            return Err(SyncError::invalid("an append cannot carry If-Match"));
        }
        let mut form = vec![("Data", data_json(data, MAX_DATA_BYTES)?)];
        form.extend(opts.item_form());
        let req = Req::post(
            format!("{}/Items", self.list.url()?),
            form,
            Repeat::IfNotApplied,
        );
        let dl = self.list.client.start();
        self.list.client.json(&req, &dl).await
    }

    /// Every item, fetched lazily page by page (`PageSize`, `Order`, `From`, `Bounds`).
    pub fn stream<T>(
        &self,
        opts: PageOptions,
    ) -> impl Stream<Item = Result<ListItem<T>, SyncError>> + Send + Unpin + 'static
    where
        T: DeserializeOwned + Send + 'static,
    {
        let first = self
            .list
            .url()
            .and_then(|u| Ok((format!("{u}/Items"), opts.query()?)));
        paginate(self.list.client.clone(), first)
    }
}

/// One list item, by index. Made by [`ListHandle::item`]; cheap to clone.
#[derive(Debug, Clone)]
pub struct ListItemHandle {
    list: ObjectRef,
    index: u64,
}

impl ListItemHandle {
    /// The item's index.
    pub fn index(&self) -> u64 {
        self.index
    }

    fn url(&self) -> Result<String, SyncError> {
        Ok(format!("{}/Items/{}", self.list.url()?, self.index))
    }

    fn client(&self) -> &SyncClient {
        &self.list.client
    }

    /// The item, or `NotFound`. One request.
    pub async fn fetch<T: DeserializeOwned>(&self) -> Result<ListItem<T>, SyncError> {
        let dl = self.client().start();
        open::fetch(self.client(), &self.url()?, &dl).await
    }

    /// Replaces the value (last writer wins).
    pub async fn update<T: Serialize + DeserializeOwned>(
        &self,
        data: &T,
    ) -> Result<ListItem<T>, SyncError> {
        self.update_with(data, &WriteOptions::new()).await
    }

    /// Replaces the value with a condition and/or new TTLs.
    pub async fn update_with<T: Serialize + DeserializeOwned>(
        &self,
        data: &T,
        opts: &WriteOptions,
    ) -> Result<ListItem<T>, SyncError> {
        let mut form = vec![("Data", data_json(data, MAX_DATA_BYTES)?)];
        form.extend(opts.item_form());
        let req = Req::post(self.url()?, form, Repeat::Always).if_match(opts.if_match.clone());
        let dl = self.client().start();
        self.client().json(&req, &dl).await
    }

    /// Sets (or with [`Ttl::NEVER`] clears) the item's expiry without touching its value.
    pub async fn set_ttl(&self, ttl: Ttl) -> Result<ListItem<Value>, SyncError> {
        let req = Req::post(self.url()?, item_ttls(Some(ttl), None), Repeat::Always);
        let dl = self.client().start();
        self.client().json(&req, &dl).await
    }

    /// Deletes the item; `NotFound` if it does not exist.
    pub async fn delete(&self) -> Result<(), SyncError> {
        self.client().delete(Req::delete(self.url()?)).await
    }

    /// Deletes the item only at this revision (else `RevisionMismatch`).
    pub async fn delete_if(&self, revision: impl Into<String>) -> Result<(), SyncError> {
        self.client()
            .delete(Req::delete(self.url()?).if_match(Some(revision.into())))
            .await
    }

    /// Safe read-modify-write of the item's value (see
    /// [`DocumentHandle::mutate`](super::DocumentHandle::mutate)).
    pub async fn mutate<T, F>(&self, f: F) -> Result<Mutated<ListItem<T>>, SyncError>
    where
        T: Serialize + DeserializeOwned,
        F: FnMut(&mut T),
    {
        mutate::run(self.client(), &self.url()?, None, &[], f).await
    }

    /// `mutate` from a remembered item: first write straight out with `If-Match`.
    pub async fn mutate_from<T, F>(
        &self,
        hint: Option<&ListItem<T>>,
        f: F,
    ) -> Result<Mutated<ListItem<T>>, SyncError>
    where
        T: Serialize + DeserializeOwned,
        F: FnMut(&mut T),
    {
        let hint = hint.map(|h| Hint::of(&h.data, &h.revision)).transpose()?;
        mutate::run(self.client(), &self.url()?, hint, &[], f).await
    }
}
