//! The operation layer: what a Sync request asks, in one typed form for both faces.
//!
//! REST v1 (`routes`) and the realtime socket's CDS API (`realtime::cds`) only translate:
//! each turns its request (a path, a method, form parameters or a JSON body) into an
//! [`Operation`] (object kind, target, verb and checked parameters). From there one path
//! serves both: the caller's permission is checked ([`Caller`]), the operation is applied
//! to the store once ([`run`]), and its [`Outcome`] is rendered once, for the face that
//! asked ([`answer`], [`render::Face`]).
//!
//! Adding an object kind is a variant of `store::objects::Kind` with its row in `KINDS`
//! (collection name, [`Shape`](crate::store::objects::Shape), events) and its SID prefix
//! in `sid`: the routes are mounted from `KINDS`, the socket finds the kind by its
//! collection name, rendering and Permissions read its shape. A kind with items adds its
//! row to `store::items`. An endpoint on both faces is a [`Verb`] (here), its store call
//! (`apply`), its REST route (`routes/`) and its socket arm (`realtime/cds.rs`).
//!
//! - [`params`]: request parameters and the limits and checks both faces share.
//! - [`paging`]: list parameters, page tokens and REST's `meta`.
//! - [`render`]: JSON bodies for both faces.
//! - `apply`: the store calls of each operation.

pub mod acl;
mod answer;
mod apply;
pub mod paging;
pub mod params;
pub mod render;

pub use answer::answer;
pub use apply::{run, Outcome};

use crate::store::items::ItemKey;
use crate::store::objects::Kind;
use paging::Paging;

/// What an operation acts on.
#[derive(Debug, Clone)]
pub enum Target {
    /// The kind's collection (create, list).
    Collection,
    /// One object, by SID or unique name.
    Object(String),
    /// One Map's or List's items (list; a List's append).
    Items(String),
    /// One item of a Map or List.
    Item(String, ItemKey),
    /// A Stream's messages (publish).
    Messages(String),
}

impl Target {
    /// The object named, if any.
    pub fn object(&self) -> Option<&str> {
        match self {
            Target::Collection => None,
            Target::Object(id) | Target::Items(id) | Target::Item(id, _) | Target::Messages(id) => {
                Some(id)
            }
        }
    }
}

/// What is done to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Create an object (on a collection) or an item (on a Map's or List's items).
    Create,
    /// Read one object or item.
    Fetch,
    /// Read a page of objects or items.
    List,
    /// Change an object or an item.
    Update,
    /// Create or update a Map item by key (the socket's `PUT`); `If-Match: -1` only creates.
    Upsert,
    /// Delete an object or an item.
    Delete,
    /// Publish a Stream message.
    Publish,
}

/// The parameters of an operation, already read and checked by the face that parsed it
/// (with [`params`]' shared checks): what is absent is `None`.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// A create's unique name.
    pub unique_name: Option<String>,
    /// JSON object text: a Document's, an item's or a message's data.
    pub data: Option<String>,
    /// An object's TTL, or an item's.
    pub ttl: Option<u32>,
    /// An item write's `CollectionTtl` (REST only).
    pub collection_ttl: Option<u32>,
    /// The revision a write is conditioned on.
    pub if_match: Option<String>,
    /// A Map fetch that also reads its first items (the socket's `Include=items`).
    pub include_items: bool,
    /// A listing's page (`List`), and the socket's single-item lookup by `Key` / `Index`.
    pub paging: Option<Paging>,
    /// The socket's `Key` / `Index` lookup of one item in a listing.
    pub single: Option<ItemKey>,
}

/// One request, as both faces parse it.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The object kind the path names.
    pub kind: Kind,
    /// What it acts on.
    pub target: Target,
    /// What it does.
    pub verb: Verb,
    /// Its checked parameters.
    pub input: Input,
}

impl Operation {
    /// `verb` on `target`, an object or items of `kind`, with `input`.
    pub fn new(kind: Kind, verb: Verb, target: Target, input: Input) -> Operation {
        Operation {
            kind,
            target,
            verb,
            input,
        }
    }

    /// What [`answer`] reads of the operation, without the data it wrote (so the data
    /// need not be copied).
    pub fn shape(&self) -> Operation {
        Operation {
            kind: self.kind,
            target: self.target.clone(),
            verb: self.verb,
            input: Input {
                include_items: self.input.include_items,
                paging: self.input.paging.clone(),
                single: self.input.single.clone(),
                ..Input::default()
            },
        }
    }
}

/// Who asks: the account (REST v1, trusted with everything) or a token identity (the
/// socket), whose Sync Permissions are checked on services with `AclEnabled`.
#[derive(Debug, Clone)]
pub enum Caller {
    /// Account credentials (Basic auth): never checked.
    Account,
    /// An access token's identity, if it names one.
    Identity(Option<String>),
}
