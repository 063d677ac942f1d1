//! Lists and list items: ordered JSON values that Sync indexes as they are appended.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{Req, SyncClient};
use super::error::{SyncError, MAX_DATA_BYTES};
use super::items::{InList, ItemHandle, ItemKind, Items, Stored};
use super::meta::Meta;
use super::mutate::data_json;
use super::objects::{object_methods, ObjectRef, LISTS};
use super::retry::Repeat;
use super::wire::Ttl;
use super::write::WriteOptions;

/// A list item as Sync returns it, with its data decoded as `T`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: DeserializeOwned"))]
pub struct ListItem<T = Value> {
    /// The item's index, assigned by Sync on append.
    pub index: u64,
    /// `ES…` of the list.
    #[serde(default)]
    pub list_sid: String,
    /// Changes on every write; the `If-Match` value for conditional writes.
    pub revision: String,
    /// The item's value.
    pub data: T,
    /// Account, service, URL, dates and creator.
    #[serde(flatten)]
    pub meta: Meta,
}

/// One list, by SID or unique name. Made by [`SyncClient::list`]; cheap to clone.
///
/// ```no_run
/// use callflow::sync::{OpenMode, PageOptions, SyncClient, Ttl};
/// use futures_util::TryStreamExt;
/// use serde_json::{json, Value};
///
/// # async fn demo(sync: SyncClient) -> Result<(), callflow::sync::SyncError> {
/// let log = sync.list("call-log");
/// log.open(OpenMode::OpenOrCreate, Some(Ttl::secs(86_400))).await?;
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
        ItemHandle {
            parent: self.obj.clone(),
            id: index,
        }
    }

    /// The list's items: append and listing.
    pub fn items(&self) -> ListItems {
        Items::of(self.obj.clone())
    }
}

/// All items of one list: append, and listing. Made by [`ListHandle::items`].
pub type ListItems = Items<InList>;

/// What only lists do: append.
impl Items<InList> {
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
            format!("{}/Items", self.parent.url()?),
            form,
            Repeat::IfNotApplied,
        );
        let dl = self.parent.client.start();
        self.parent.client.json(&req, &dl).await
    }
}

/// One list item, by index. Made by [`ListHandle::item`]; cheap to clone. Its fetch,
/// update, TTL, delete and `mutate` are [`ItemHandle`]'s, shared with map items.
pub type ListItemHandle = ItemHandle<InList>;

impl ItemKind for InList {
    type Id = u64;
    type Item<T> = ListItem<T>;

    fn segment(index: &u64) -> Result<String, SyncError> {
        Ok(index.to_string())
    }
}

impl<T> Stored<T> for ListItem<T> {
    fn data(&self) -> &T {
        &self.data
    }
    fn revision(&self) -> &str {
        &self.revision
    }
}

impl ItemHandle<InList> {
    /// The item's index.
    pub fn index(&self) -> u64 {
        self.id
    }
}
