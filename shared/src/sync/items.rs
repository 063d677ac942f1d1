//! What map items and list items share: one handle, [`ItemHandle`], whose fetch, update,
//! TTL, delete and `mutate` calls are written once for both, and the set-or-create loop.
//!
//! The two kinds differ only in how an item is addressed (a map key, percent-encoded;
//! a list index) and in what Sync returns ([`MapItem`](super::MapItem) or
//! [`ListItem`](super::ListItem)); [`ItemKind`] carries exactly those two facts.
//! What only map items can do (create under a key, set-or-create) is in `maps.rs`;
//! list items are made by appending (`lists.rs`).

use std::fmt::Debug;
use std::marker::PhantomData;

use futures_util::Stream;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::client::{decode, Req, SyncClient};
use super::error::{SyncError, MAX_DATA_BYTES};
use super::mutate::{self, data_json, Hint, Mutated};
use super::objects::ObjectRef;
use super::open;
use super::pagination::{paginate, PageOptions};
use super::retry::Repeat;
use super::wire::Ttl;
use super::write::{item_ttls, WriteOptions};

/// An item as Sync returns it: a value at a revision.
pub trait Stored<T> {
    /// The item's value.
    fn data(&self) -> &T;
    /// The item's revision (the `If-Match` value for conditional writes).
    fn revision(&self) -> &str;
}

/// Map items or list items. Sealed: implemented by [`InMap`] and [`InList`] only.
pub trait ItemKind: private::Sealed + Debug + Clone + Send + Sync + 'static {
    /// What addresses an item in its container: a key or an index.
    type Id: Debug + Clone + Send + Sync;
    /// The item as Sync returns it, with its data decoded as `T`.
    type Item<T>: Stored<T>;

    /// The id as one URL path segment.
    fn segment(id: &Self::Id) -> Result<String, SyncError>;
}

/// Items of a map, addressed by key.
#[derive(Debug, Clone, Copy)]
pub struct InMap;

/// Items of a list, addressed by index.
#[derive(Debug, Clone, Copy)]
pub struct InList;

mod private {
    pub trait Sealed {}
    impl Sealed for super::InMap {}
    impl Sealed for super::InList {}
}

/// One map or list item. Made by [`MapHandle::item`](super::MapHandle::item) and
/// [`ListHandle::item`](super::ListHandle::item); cheap to clone. (The public names are
/// [`MapItemHandle`](super::MapItemHandle) and [`ListItemHandle`](super::ListItemHandle).)
#[derive(Debug, Clone)]
pub struct ItemHandle<I: ItemKind> {
    pub(crate) parent: ObjectRef,
    pub(crate) id: I::Id,
}

impl<I: ItemKind> ItemHandle<I> {
    pub(crate) fn url(&self) -> Result<String, SyncError> {
        Ok(format!(
            "{}/Items/{}",
            self.parent.url()?,
            I::segment(&self.id)?
        ))
    }

    pub(crate) fn client(&self) -> &SyncClient {
        &self.parent.client
    }

    /// The item, or `NotFound`. One request.
    pub async fn fetch<T>(&self) -> Result<I::Item<T>, SyncError>
    where
        I::Item<T>: DeserializeOwned,
    {
        let dl = self.client().start();
        open::fetch(self.client(), &self.url()?, &dl).await
    }

    /// Replaces the value (last writer wins); `NotFound` if the item does not exist.
    /// Prefer [`mutate`](Self::mutate) when the new value depends on the old one.
    pub async fn update<T: Serialize>(&self, data: &T) -> Result<I::Item<T>, SyncError>
    where
        I::Item<T>: DeserializeOwned,
    {
        self.update_with(data, &WriteOptions::new()).await
    }

    /// Replaces the value with a condition and/or new TTLs (`ItemTtl`, `CollectionTtl`).
    pub async fn update_with<T: Serialize>(
        &self,
        data: &T,
        opts: &WriteOptions,
    ) -> Result<I::Item<T>, SyncError>
    where
        I::Item<T>: DeserializeOwned,
    {
        let mut form = vec![("Data", data_json(data, MAX_DATA_BYTES)?)];
        form.extend(opts.item_form());
        let req = Req::post(self.url()?, form, Repeat::Always).if_match(opts.if_match.clone());
        let dl = self.client().start();
        self.client().json(&req, &dl).await
    }

    /// Sets (or with [`Ttl::NEVER`] clears) the item's expiry without touching its value.
    pub async fn set_ttl(&self, ttl: Ttl) -> Result<I::Item<Value>, SyncError>
    where
        I::Item<Value>: DeserializeOwned,
    {
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
    pub async fn mutate<T, F>(&self, f: F) -> Result<Mutated<I::Item<T>>, SyncError>
    where
        T: Serialize + DeserializeOwned,
        I::Item<T>: DeserializeOwned,
        F: FnMut(&mut T),
    {
        mutate::run(
            self.client(),
            &self.url()?,
            None,
            &item_ttls(None, None),
            mutate::decode_answer,
            f,
        )
        .await
    }

    /// `mutate` from a remembered item: the first write goes straight out with
    /// `If-Match` (1 request when nobody wrote since).
    pub async fn mutate_from<T, F>(
        &self,
        hint: Option<&I::Item<T>>,
        f: F,
    ) -> Result<Mutated<I::Item<T>>, SyncError>
    where
        T: Serialize + DeserializeOwned + Clone,
        I::Item<T>: DeserializeOwned,
        F: FnMut(&mut T),
    {
        self.mutate_inner(hint, None, f).await
    }

    /// [`mutate_from`](Self::mutate_from) that also resets the item's `ItemTtl` with the
    /// write (a beat that merges into the item rather than replacing it).
    pub async fn mutate_with_ttl<T, F>(
        &self,
        hint: Option<&I::Item<T>>,
        ttl: Ttl,
        f: F,
    ) -> Result<Mutated<I::Item<T>>, SyncError>
    where
        T: Serialize + DeserializeOwned + Clone,
        I::Item<T>: DeserializeOwned,
        F: FnMut(&mut T),
    {
        self.mutate_inner(hint, Some(ttl), f).await
    }

    async fn mutate_inner<T, F>(
        &self,
        hint: Option<&I::Item<T>>,
        ttl: Option<Ttl>,
        f: F,
    ) -> Result<Mutated<I::Item<T>>, SyncError>
    where
        T: Serialize + DeserializeOwned + Clone,
        I::Item<T>: DeserializeOwned,
        F: FnMut(&mut T),
    {
        let hint = hint.map(|h| Hint::of(h.data(), h.revision()));
        mutate::run(
            self.client(),
            &self.url()?,
            hint,
            &item_ttls(ttl, None),
            mutate::decode_answer,
            f,
        )
        .await
    }
}

/// All items of one map or list. Made by [`MapHandle::items`](super::MapHandle::items)
/// and [`ListHandle::items`](super::ListHandle::items). (The public names are
/// [`MapItems`](super::MapItems) and [`ListItems`](super::ListItems).)
#[derive(Debug, Clone)]
pub struct Items<I: ItemKind> {
    pub(crate) parent: ObjectRef,
    kind: PhantomData<I>,
}

impl<I: ItemKind> Items<I> {
    pub(crate) fn of(parent: ObjectRef) -> Self {
        Items {
            parent,
            kind: PhantomData,
        }
    }

    /// Every item, fetched lazily page by page (`PageSize`, `Order`, `From`, `Bounds`).
    pub fn stream<T>(
        &self,
        opts: PageOptions,
    ) -> impl Stream<Item = Result<I::Item<T>, SyncError>> + Send + Unpin + 'static
    where
        T: Send + 'static,
        I::Item<T>: DeserializeOwned + Send + 'static,
    {
        let first = self
            .parent
            .url()
            .and_then(|u| Ok((format!("{u}/Items"), opts.query()?)));
        paginate(self.parent.client.clone(), first)
    }
}

/// Which write [`set_or_create`](super::MapItemHandle::set_or_create) tries first; it
/// switches to the other on a miss, so the choice only changes the request count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryFirst {
    /// Update first: 1 request when the item usually exists (a heartbeat).
    Update,
    /// Create first: 1 request when the item is usually new.
    Create,
}

/// Update-or-create in either order, for a keyed item. `update` replaces the value;
/// `create` makes the item. A miss on one (404 / 409) switches to the other, so whoever
/// wins a race, this caller's value is the one stored when it returns, and it gets the
/// item as stored. Bounded, in case the item keeps vanishing (expiry) and reappearing.
pub(crate) async fn upsert<R: DeserializeOwned>(
    client: &SyncClient,
    update: &Req,
    create: &Req,
    first: TryFirst,
) -> Result<R, SyncError> {
    let dl = client.start();
    let mut updating = first == TryFirst::Update;
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
