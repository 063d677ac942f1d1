//! What maps, lists and streams share: a container object with a unique name, a TTL and
//! no value of its own, and the open / fetch / TTL / delete calls on it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{Req, SyncClient};
use super::error::SyncError;
use super::meta::Meta;
use super::open::{self, OpenMode, Opened};
use super::retry::Repeat;
use super::wire::{segment, Ttl};
use crate::webhook::is_sid;

/// A Sync map, list or stream as Sync returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncObject {
    /// `MP…` (map), `ES…` (list) or `TO…` (stream).
    #[serde(default)]
    pub sid: String,
    /// The unique name, if it has one.
    #[serde(default)]
    pub unique_name: Option<String>,
    /// The object's revision (streams have none).
    #[serde(default)]
    pub revision: Option<String>,
    /// Account, service, URL, dates and creator.
    #[serde(flatten)]
    pub meta: Meta,
}

/// A Sync map's metadata.
pub type SyncMap = SyncObject;
/// A Sync list's metadata.
pub type SyncList = SyncObject;
/// A Sync stream's metadata.
pub type SyncStream = SyncObject;

/// The wire facts that differ between maps, lists and streams.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kind {
    /// Collection path segment: `Maps`, `Lists`, `Streams`.
    pub collection: &'static str,
    /// SID prefix.
    pub prefix: &'static str,
    /// The TTL form field for the object itself.
    pub ttl_field: &'static str,
}

pub(crate) const MAPS: Kind = Kind {
    collection: "Maps",
    prefix: "MP",
    ttl_field: "CollectionTtl",
};
pub(crate) const LISTS: Kind = Kind {
    collection: "Lists",
    prefix: "ES",
    ttl_field: "CollectionTtl",
};
pub(crate) const STREAMS: Kind = Kind {
    collection: "Streams",
    prefix: "TO",
    ttl_field: "Ttl",
};

/// One map, list or stream by SID or unique name.
#[derive(Debug, Clone)]
pub(crate) struct ObjectRef {
    pub client: SyncClient,
    pub kind: Kind,
    pub id: String,
}

impl ObjectRef {
    /// `…/Maps/{id}` with the id encoded.
    pub(crate) fn url(&self) -> Result<String, SyncError> {
        Ok(self
            .client
            .url(&format!("{}/{}", self.kind.collection, segment(&self.id)?)))
    }

    pub(crate) async fn open(
        &self,
        mode: OpenMode,
        ttl: Option<Ttl>,
    ) -> Result<Opened<SyncObject>, SyncError> {
        let mode = match mode {
            OpenMode::OpenOrCreate | OpenMode::CreateOrOpen
                if is_sid(&self.id, self.kind.prefix) =>
            {
                OpenMode::OpenExisting
            }
            m => m,
        };
        let mut form = vec![("UniqueName", self.id.clone())];
        if let Some(t) = ttl {
            form.push((self.kind.ttl_field, t.as_secs().to_string()));
        }
        let create = Req::post(self.client.url(self.kind.collection), form, Repeat::Always);
        // Containers carry no value to compare: a 409 after a lost answer is taken as
        // our own create (a rival creating the same name in that instant would be
        // reported as created too, which changes nothing for the caller).
        let ours = |_: &Value| true;
        open::open(&self.client, mode, &create, &self.url()?, &ours).await
    }

    pub(crate) async fn set_ttl(&self, ttl: Ttl) -> Result<SyncObject, SyncError> {
        let req = Req::post(
            self.url()?,
            vec![(self.kind.ttl_field, ttl.as_secs().to_string())],
            Repeat::Always,
        );
        let dl = self.client.start();
        self.client.json(&req, &dl).await
    }

    pub(crate) async fn delete(&self) -> Result<(), SyncError> {
        self.client.delete(Req::delete(self.url()?)).await
    }
}

/// The open / fetch / TTL / delete methods of a container handle, written once.
macro_rules! object_methods {
    ($what:literal) => {
        /// The SID or unique name this handle addresses.
        pub fn id(&self) -> &str {
            &self.obj.id
        }

        #[doc = concat!("Open-existing: the ", $what, "'s metadata, or `NotFound`. One request.")]
        pub async fn fetch(&self) -> Result<crate::sync::SyncObject, crate::sync::SyncError> {
            Ok(self.obj.open(crate::sync::OpenMode::OpenExisting, None).await?.value)
        }

        #[doc = concat!("Create-new with this handle's id as unique name; `AlreadyExists` when taken.")]
        pub async fn create(&self, ttl: Option<crate::sync::Ttl>) -> Result<crate::sync::SyncObject, crate::sync::SyncError> {
            Ok(self.obj.open(crate::sync::OpenMode::CreateNew, ttl).await?.value)
        }

        #[doc = concat!("Opens the ", $what, " in any [`OpenMode`](crate::sync::OpenMode); `ttl` applies if this call creates it.")]
        pub async fn open(
            &self,
            mode: crate::sync::OpenMode,
            ttl: Option<crate::sync::Ttl>,
        ) -> Result<crate::sync::Opened<crate::sync::SyncObject>, crate::sync::SyncError> {
            self.obj.open(mode, ttl).await
        }

        #[doc = concat!("Sets (or with `Ttl::NEVER` clears) the ", $what, "'s expiry.")]
        pub async fn set_ttl(&self, ttl: crate::sync::Ttl) -> Result<crate::sync::SyncObject, crate::sync::SyncError> {
            self.obj.set_ttl(ttl).await
        }

        #[doc = concat!("Deletes the ", $what, " and everything in it; `NotFound` if it does not exist.")]
        pub async fn delete(&self) -> Result<(), crate::sync::SyncError> {
            self.obj.delete().await
        }
    };
}

pub(crate) use object_methods;

/// All maps, lists or streams of the service. Made by [`SyncClient::maps`],
/// [`SyncClient::lists`] and [`SyncClient::streams`].
#[derive(Debug, Clone)]
pub struct Collection {
    client: SyncClient,
    kind: Kind,
}

impl SyncClient {
    /// The service's maps, for listing.
    pub fn maps(&self) -> Collection {
        Collection {
            client: self.clone(),
            kind: MAPS,
        }
    }
    /// The service's lists, for listing.
    pub fn lists(&self) -> Collection {
        Collection {
            client: self.clone(),
            kind: LISTS,
        }
    }
    /// The service's streams, for listing.
    pub fn streams(&self) -> Collection {
        Collection {
            client: self.clone(),
            kind: STREAMS,
        }
    }
}

impl Collection {
    /// Every object, fetched lazily page by page.
    pub fn stream(
        &self,
        page_size: Option<u32>,
    ) -> impl futures_util::Stream<Item = Result<SyncObject, SyncError>> + Send + Unpin + 'static
    {
        let first = super::pagination::size_query(page_size)
            .map(|q| (self.client.url(self.kind.collection), q));
        super::pagination::paginate(self.client.clone(), first)
    }
}
