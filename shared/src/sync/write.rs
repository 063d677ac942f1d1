//! Options shared by writes: `If-Match` and the three TTL parameters.

use super::error::SyncError;
use super::wire::Ttl;

/// Options for an update (and for item creates, where `if_match` is not allowed).
///
/// `ttl` is the object's `Ttl` for documents and the item's `ItemTtl` for map and list
/// items; `collection_ttl` (`CollectionTtl`, items only) resets the parent map's or
/// list's expiry in the same request.
///
/// ```
/// use callflow::sync::{Ttl, WriteOptions};
/// let opts = WriteOptions::new().if_match("3").ttl(Ttl::secs(300));
/// assert_eq!(opts.if_match.as_deref(), Some("3"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// Apply only if the current revision is this one (else `RevisionMismatch`).
    pub if_match: Option<String>,
    /// `Ttl` (documents) or `ItemTtl` (items).
    pub ttl: Option<Ttl>,
    /// `CollectionTtl`: items only.
    pub collection_ttl: Option<Ttl>,
}

impl WriteOptions {
    /// No condition, TTLs unchanged.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the revision condition.
    pub fn if_match(mut self, revision: impl Into<String>) -> Self {
        self.if_match = Some(revision.into());
        self
    }
    /// Sets the object's or item's TTL.
    pub fn ttl(mut self, ttl: Ttl) -> Self {
        self.ttl = Some(ttl);
        self
    }
    /// Sets the parent collection's TTL (items only).
    pub fn collection_ttl(mut self, ttl: Ttl) -> Self {
        self.collection_ttl = Some(ttl);
        self
    }

    /// Form fields for a document.
    pub(crate) fn document_form(&self) -> Result<Vec<(&'static str, String)>, SyncError> {
        if self.collection_ttl.is_some() {
            return Err(SyncError::invalid(
                "documents have no CollectionTtl; use ttl",
            ));
        }
        Ok(self
            .ttl
            .map(|t| ("Ttl", t.as_secs().to_string()))
            .into_iter()
            .collect())
    }

    /// Form fields for a map or list item.
    pub(crate) fn item_form(&self) -> Vec<(&'static str, String)> {
        item_ttls(self.ttl, self.collection_ttl)
    }
}

pub(crate) fn item_ttls(item: Option<Ttl>, collection: Option<Ttl>) -> Vec<(&'static str, String)> {
    let mut f = Vec::new();
    if let Some(t) = item {
        f.push(("ItemTtl", t.as_secs().to_string()));
    }
    if let Some(t) = collection {
        f.push(("CollectionTtl", t.as_secs().to_string()));
    }
    f
}
