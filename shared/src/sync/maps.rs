//! Maps and map items: keyed JSON values in a named container.

use futures_util::Stream;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::client::{Req, SyncClient};
use super::error::{SyncError, MAX_DATA_BYTES};
use super::items::upsert;
use super::mutate::{self, data_json, Hint, Mutated};
use super::objects::{object_methods, ObjectRef, MAPS};
use super::open::{self, OpenMode, Opened};
use super::pagination::{paginate, PageOptions};
use super::retry::Repeat;
use super::wire::{rfc3339_opt, segment, Ttl};
use super::write::{item_ttls, WriteOptions};

/// A map item as Sync returns it, with its data decoded as `T`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: DeserializeOwned"))]
pub struct MapItem<T = Value> {
    /// The item's key.
    pub key: String,
    /// `AC…`
    #[serde(default)]
    pub account_sid: String,
    /// `IS…`
    #[serde(default)]
    pub service_sid: String,
    /// `MP…` of the map.
    #[serde(default)]
    pub map_sid: String,
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

/// One map, by SID or unique name. Made by [`SyncClient::map`]; cheap to clone.
///
/// ```no_run
/// use callflow::sync::{SyncClient, Ttl};
/// use serde_json::json;
///
/// # async fn demo(sync: SyncClient) -> Result<(), callflow::sync::SyncError> {
/// let presence = sync.map("user-presence");
/// presence.open_or_create(None).await?;
/// // A heartbeat: update the item and push its expiry out, creating it on the first beat.
/// let item = presence
///     .item("alice")
///     .set_or_create(&json!({"status": "online"}), Some(Ttl::secs(300)))
///     .await?;
/// println!("alice expires at {:?}", item.date_expires);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct MapHandle {
    obj: ObjectRef,
}

impl SyncClient {
    /// A handle on the map with this SID or unique name (no request is made).
    pub fn map(&self, sid_or_name: impl Into<String>) -> MapHandle {
        MapHandle {
            obj: ObjectRef {
                client: self.clone(),
                kind: MAPS,
                id: sid_or_name.into(),
            },
        }
    }
}

impl MapHandle {
    object_methods!("map");

    /// A handle on the item with this key (any string; it is percent-encoded).
    pub fn item(&self, key: impl Into<String>) -> MapItemHandle {
        MapItemHandle {
            map: self.obj.clone(),
            key: key.into(),
        }
    }

    /// The map's items as a collection, for listing.
    pub fn items(&self) -> MapItems {
        MapItems {
            map: self.obj.clone(),
        }
    }
}

/// All items of one map. Made by [`MapHandle::items`].
#[derive(Debug, Clone)]
pub struct MapItems {
    map: ObjectRef,
}

impl MapItems {
    /// Every item, fetched lazily page by page (`PageSize`, `Order`, `From`, `Bounds`).
    ///
    /// ```no_run
    /// use callflow::sync::{MapItem, PageOptions, SyncClient};
    /// use futures_util::TryStreamExt;
    ///
    /// # async fn demo(sync: SyncClient) -> Result<(), callflow::sync::SyncError> {
    /// let items: Vec<MapItem<serde_json::Value>> =
    ///     sync.map("user-presence").items().stream(PageOptions::default().page_size(100)).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn stream<T>(
        &self,
        opts: PageOptions,
    ) -> impl Stream<Item = Result<MapItem<T>, SyncError>> + Send + Unpin + 'static
    where
        T: DeserializeOwned + Send + 'static,
    {
        let first = self
            .map
            .url()
            .and_then(|u| Ok((format!("{u}/Items"), opts.query()?)));
        paginate(self.map.client.clone(), first)
    }
}

/// One map item, by key. Made by [`MapHandle::item`]; cheap to clone.
#[derive(Debug, Clone)]
pub struct MapItemHandle {
    map: ObjectRef,
    key: String,
}

impl MapItemHandle {
    /// The item's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    fn url(&self) -> Result<String, SyncError> {
        Ok(format!("{}/Items/{}", self.map.url()?, segment(&self.key)?))
    }

    fn client(&self) -> &SyncClient {
        &self.map.client
    }

    fn create_req(
        &self,
        json: String,
        item_ttl: Option<Ttl>,
        collection_ttl: Option<Ttl>,
    ) -> Result<Req, SyncError> {
        let mut form = vec![("Key", self.key.clone()), ("Data", json)];
        form.extend(item_ttls(item_ttl, collection_ttl));
        Ok(Req::post(
            format!("{}/Items", self.map.url()?),
            form,
            Repeat::Always,
        ))
    }

    /// Open-existing: the item, or `NotFound`. One request.
    pub async fn fetch<T: DeserializeOwned>(&self) -> Result<MapItem<T>, SyncError> {
        let dl = self.client().start();
        open::fetch(self.client(), &self.url()?, &dl).await
    }

    /// Create-new; `AlreadyExists` when the key is taken.
    pub async fn create<T: Serialize + DeserializeOwned>(
        &self,
        data: &T,
        ttl: Option<Ttl>,
    ) -> Result<MapItem<T>, SyncError> {
        Ok(self.open(OpenMode::CreateNew, data, ttl).await?.value)
    }

    /// Create-new with an `ItemTtl` and a `CollectionTtl` (`if_match` is refused: a
    /// create has no revision to match).
    pub async fn create_with<T: Serialize + DeserializeOwned>(
        &self,
        data: &T,
        opts: &WriteOptions,
    ) -> Result<MapItem<T>, SyncError> {
        if opts.if_match.is_some() {
            return Err(SyncError::invalid("a create cannot carry If-Match"));
        }
        let json = data_json(data, MAX_DATA_BYTES)?;
        let sent: Value =
            serde_json::from_str(&json).map_err(|e| SyncError::Decode(e.to_string()))?;
        let create = self.create_req(json, opts.ttl, opts.collection_ttl)?;
        let ours = move |v: &Value| v.get("data") == Some(&sent);
        Ok(open::open(
            self.client(),
            OpenMode::CreateNew,
            &create,
            &self.url()?,
            &ours,
        )
        .await?
        .value)
    }

    /// Open-or-create, fetching first (1 request when the item exists).
    pub async fn open_or_create<T: Serialize + DeserializeOwned>(
        &self,
        initial: &T,
        ttl: Option<Ttl>,
    ) -> Result<Opened<MapItem<T>>, SyncError> {
        self.open(OpenMode::OpenOrCreate, initial, ttl).await
    }

    /// Open-or-create, creating first (1 request when the item is new).
    pub async fn create_or_fetch<T: Serialize + DeserializeOwned>(
        &self,
        initial: &T,
        ttl: Option<Ttl>,
    ) -> Result<Opened<MapItem<T>>, SyncError> {
        self.open(OpenMode::CreateOrOpen, initial, ttl).await
    }

    /// Opens the item in any [`OpenMode`]; `initial` and `ttl` (`ItemTtl`) apply if this
    /// call creates it.
    pub async fn open<T: Serialize + DeserializeOwned>(
        &self,
        mode: OpenMode,
        initial: &T,
        ttl: Option<Ttl>,
    ) -> Result<Opened<MapItem<T>>, SyncError> {
        let json = data_json(initial, MAX_DATA_BYTES)?;
        let sent: Value =
            serde_json::from_str(&json).map_err(|e| SyncError::Decode(e.to_string()))?;
        let create = self.create_req(json, ttl, None)?;
        let ours = move |v: &Value| v.get("data") == Some(&sent);
        open::open(self.client(), mode, &create, &self.url()?, &ours).await
    }

    /// Replaces the value (last writer wins); `NotFound` if the item does not exist.
    pub async fn update<T: Serialize + DeserializeOwned>(
        &self,
        data: &T,
    ) -> Result<MapItem<T>, SyncError> {
        self.update_with(data, &WriteOptions::new()).await
    }

    /// Replaces the value with a condition and/or new TTLs.
    pub async fn update_with<T: Serialize + DeserializeOwned>(
        &self,
        data: &T,
        opts: &WriteOptions,
    ) -> Result<MapItem<T>, SyncError> {
        let mut form = vec![("Data", data_json(data, MAX_DATA_BYTES)?)];
        form.extend(opts.item_form());
        let req = Req::post(self.url()?, form, Repeat::Always).if_match(opts.if_match.clone());
        let dl = self.client().start();
        self.client().json(&req, &dl).await
    }

    /// Sets the item's value whether or not it exists: update first (the common case
    /// for a heartbeat: 1 request), create on 404, update again if a rival created it
    /// in between. `ttl` is the `ItemTtl`, reset by every call.
    pub async fn set_or_create<T: Serialize + DeserializeOwned>(
        &self,
        data: &T,
        ttl: Option<Ttl>,
    ) -> Result<MapItem<T>, SyncError> {
        let json = data_json(data, MAX_DATA_BYTES)?;
        let mut form = vec![("Data", json.clone())];
        form.extend(item_ttls(ttl, None));
        let update = Req::post(self.url()?, form, Repeat::Always);
        let create = self.create_req(json, ttl, None)?;
        upsert(self.client(), &update, &create, true).await
    }

    /// [`set_or_create`](Self::set_or_create) trying the create first (1 request when
    /// the item is usually new).
    pub async fn create_or_set<T: Serialize + DeserializeOwned>(
        &self,
        data: &T,
        ttl: Option<Ttl>,
    ) -> Result<MapItem<T>, SyncError> {
        let json = data_json(data, MAX_DATA_BYTES)?;
        let mut form = vec![("Data", json.clone())];
        form.extend(item_ttls(ttl, None));
        let update = Req::post(self.url()?, form, Repeat::Always);
        let create = self.create_req(json, ttl, None)?;
        upsert(self.client(), &update, &create, false).await
    }

    /// Sets (or with [`Ttl::NEVER`] clears) the item's expiry without touching its value.
    pub async fn set_ttl(&self, ttl: Ttl) -> Result<MapItem<Value>, SyncError> {
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
    pub async fn mutate<T, F>(&self, f: F) -> Result<Mutated<MapItem<T>>, SyncError>
    where
        T: Serialize + DeserializeOwned,
        F: FnMut(&mut T),
    {
        mutate::run(self.client(), &self.url()?, None, &[], f).await
    }

    /// [`mutate_from`](Self::mutate_from) that also resets the item's `ItemTtl` with the
    /// write (a beat that merges into the item rather than replacing it).
    pub async fn mutate_with_ttl<T, F>(
        &self,
        hint: Option<&MapItem<T>>,
        ttl: Ttl,
        f: F,
    ) -> Result<Mutated<MapItem<T>>, SyncError>
    where
        T: Serialize + DeserializeOwned,
        F: FnMut(&mut T),
    {
        let hint = hint.map(|h| Hint::of(&h.data, &h.revision)).transpose()?;
        mutate::run(
            self.client(),
            &self.url()?,
            hint,
            &item_ttls(Some(ttl), None),
            f,
        )
        .await
    }

    /// `mutate` from a remembered item: first write straight out with `If-Match`.
    pub async fn mutate_from<T, F>(
        &self,
        hint: Option<&MapItem<T>>,
        f: F,
    ) -> Result<Mutated<MapItem<T>>, SyncError>
    where
        T: Serialize + DeserializeOwned,
        F: FnMut(&mut T),
    {
        let hint = hint.map(|h| Hint::of(&h.data, &h.revision)).transpose()?;
        mutate::run(self.client(), &self.url()?, hint, &[], f).await
    }
}
