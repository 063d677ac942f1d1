//! Maps and map items: keyed JSON values in a named container.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{Req, SyncClient};
use super::error::{SyncError, MAX_DATA_BYTES};
use super::items::{upsert, InMap, ItemHandle, ItemKind, Items, Stored, TryFirst};
use super::meta::Meta;
use super::mutate::data_json;
use super::objects::{object_methods, ObjectRef, MAPS};
use super::open::{self, OpenMode, Opened};
use super::retry::Repeat;
use super::wire::{segment, Ttl};
use super::write::{item_ttls, WriteOptions};

/// A map item as Sync returns it, with its data decoded as `T`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: DeserializeOwned"))]
pub struct MapItem<T = Value> {
    /// The item's key.
    pub key: String,
    /// `MP…` of the map.
    #[serde(default)]
    pub map_sid: String,
    /// Changes on every write; the `If-Match` value for conditional writes.
    pub revision: String,
    /// The item's value.
    pub data: T,
    /// Account, service, URL, dates and creator.
    #[serde(flatten)]
    pub meta: Meta,
}

/// One map, by SID or unique name. Made by [`SyncClient::map`]; cheap to clone.
///
/// ```no_run
/// use callflow::sync::{OpenMode, SyncClient, TryFirst, Ttl};
/// use serde_json::json;
///
/// # async fn demo(sync: SyncClient) -> Result<(), callflow::sync::SyncError> {
/// let presence = sync.map("user-presence");
/// presence.open(OpenMode::OpenOrCreate, None).await?;
/// // A heartbeat: update the item and push its expiry out, creating it on the first beat.
/// let item = presence
///     .item("alice")
///     .set_or_create(&json!({"status": "online"}), Some(Ttl::secs(300)), TryFirst::Update)
///     .await?;
/// println!("alice expires at {:?}", item.meta.date_expires);
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
        ItemHandle {
            parent: self.obj.clone(),
            id: key.into(),
        }
    }

    /// The map's items as a collection, for listing.
    pub fn items(&self) -> MapItems {
        Items::of(self.obj.clone())
    }
}

/// All items of one map, for listing. Made by [`MapHandle::items`].
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
pub type MapItems = Items<InMap>;

/// One map item, by key. Made by [`MapHandle::item`]; cheap to clone. Fetch, update,
/// TTL, delete and `mutate` are [`ItemHandle`]'s, shared with list items.
pub type MapItemHandle = ItemHandle<InMap>;

impl ItemKind for InMap {
    type Id = String;
    type Item<T> = MapItem<T>;

    fn segment(key: &String) -> Result<String, SyncError> {
        segment(key)
    }
}

impl<T> Stored<T> for MapItem<T> {
    fn data(&self) -> &T {
        &self.data
    }
    fn revision(&self) -> &str {
        &self.revision
    }
}

/// What only map items do: be created under a key.
impl ItemHandle<InMap> {
    /// The item's key.
    pub fn key(&self) -> &str {
        &self.id
    }

    fn create_req(
        &self,
        json: String,
        item_ttl: Option<Ttl>,
        collection_ttl: Option<Ttl>,
    ) -> Result<Req, SyncError> {
        let mut form = vec![("Key", self.id.clone()), ("Data", json)];
        form.extend(item_ttls(item_ttl, collection_ttl));
        Ok(Req::post(
            format!("{}/Items", self.parent.url()?),
            form,
            Repeat::Always,
        ))
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
        Ok(self
            .open_with(OpenMode::CreateNew, data, opts.ttl, opts.collection_ttl)
            .await?
            .value)
    }

    /// Opens the item in any [`OpenMode`]; `initial` and `ttl` (`ItemTtl`) apply if this
    /// call creates it.
    pub async fn open<T: Serialize + DeserializeOwned>(
        &self,
        mode: OpenMode,
        initial: &T,
        ttl: Option<Ttl>,
    ) -> Result<Opened<MapItem<T>>, SyncError> {
        self.open_with(mode, initial, ttl, None).await
    }

    async fn open_with<T: Serialize + DeserializeOwned>(
        &self,
        mode: OpenMode,
        initial: &T,
        item_ttl: Option<Ttl>,
        collection_ttl: Option<Ttl>,
    ) -> Result<Opened<MapItem<T>>, SyncError> {
        let json = data_json(initial, MAX_DATA_BYTES)?;
        let sent: Value =
            serde_json::from_str(&json).map_err(|e| SyncError::Decode(e.to_string()))?;
        let create = self.create_req(json, item_ttl, collection_ttl)?;
        let ours = move |v: &Value| v.get("data") == Some(&sent);
        open::open(self.client(), mode, &create, &self.url()?, &ours).await
    }

    /// Sets the item's value whether or not it exists, trying `first` first and the
    /// other write on a miss (404 on update, 409 on create), again if a rival changed
    /// things in between. [`TryFirst::Update`] suits a heartbeat (1 request once the
    /// item exists). `ttl` is the `ItemTtl`, reset by every call.
    pub async fn set_or_create<T: Serialize + DeserializeOwned>(
        &self,
        data: &T,
        ttl: Option<Ttl>,
        first: TryFirst,
    ) -> Result<MapItem<T>, SyncError> {
        let json = data_json(data, MAX_DATA_BYTES)?;
        let mut form = vec![("Data", json.clone())];
        form.extend(item_ttls(ttl, None));
        let update = Req::post(self.url()?, form, Repeat::Always);
        let create = self.create_req(json, ttl, None)?;
        upsert(self.client(), &update, &create, first).await
    }
}
