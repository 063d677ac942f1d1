//! Lazy paging: an async stream that fetches one page at a time and follows
//! `meta.next_page_url` until Sync says there is no next page.

use futures_util::stream::{self, Stream, StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::client::{decode, Req, SyncClient};
use super::error::SyncError;
use super::open::from_value;

/// Item order for map and list item listings (`Order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Ascending key / index (Sync's default).
    Asc,
    /// Descending key / index.
    Desc,
}

/// Whether `from` itself is included (`Bounds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bounds {
    /// Start at `from` (Sync's default).
    Inclusive,
    /// Start after `from`.
    Exclusive,
}

/// Listing options for map and list items. Object listings (documents, maps, lists,
/// streams) take only a page size.
///
/// ```
/// use callflow::sync::{Bounds, Order, PageOptions};
/// let opts = PageOptions::default().page_size(100).order(Order::Desc).from("user-5").bounds(Bounds::Exclusive);
/// assert_eq!(opts.page_size, Some(100));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageOptions {
    /// Items per page, 1 to 100 (Sync's default is 50).
    pub page_size: Option<u32>,
    /// Item order.
    pub order: Option<Order>,
    /// Key (maps) or index (lists) to start from.
    pub from: Option<String>,
    /// Whether `from` is included.
    pub bounds: Option<Bounds>,
}

impl PageOptions {
    /// Sets the page size (1 to 100).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n);
        self
    }
    /// Sets the order.
    pub fn order(mut self, order: Order) -> Self {
        self.order = Some(order);
        self
    }
    /// Sets the starting key or index.
    pub fn from(mut self, from: impl Into<String>) -> Self {
        self.from = Some(from.into());
        self
    }
    /// Sets whether `from` is included.
    pub fn bounds(mut self, bounds: Bounds) -> Self {
        self.bounds = Some(bounds);
        self
    }

    pub(crate) fn query(&self) -> Result<Vec<(&'static str, String)>, SyncError> {
        let mut q = Vec::new();
        if let Some(n) = self.page_size {
            q.push(("PageSize", checked_page_size(n)?.to_string()));
        }
        if let Some(o) = self.order {
            q.push((
                "Order",
                match o {
                    Order::Asc => "asc",
                    Order::Desc => "desc",
                }
                .to_owned(),
            ));
        }
        if let Some(f) = &self.from {
            q.push(("From", f.clone()));
        }
        if let Some(b) = self.bounds {
            q.push((
                "Bounds",
                match b {
                    Bounds::Inclusive => "inclusive",
                    Bounds::Exclusive => "exclusive",
                }
                .to_owned(),
            ));
        }
        Ok(q)
    }
}

/// The query of an object listing, which takes only a page size.
pub(crate) fn size_query(page_size: Option<u32>) -> Result<Vec<(&'static str, String)>, SyncError> {
    Ok(match page_size {
        Some(n) => vec![("PageSize", checked_page_size(n)?.to_string())],
        None => Vec::new(),
    })
}

pub(crate) fn checked_page_size(n: u32) -> Result<u32, SyncError> {
    if (1..=100).contains(&n) {
        Ok(n)
    } else {
        Err(SyncError::invalid(format!(
            "page size {n} is outside 1..=100"
        )))
    }
}

/// Query parameters of a listing.
pub(crate) type Query = Vec<(&'static str, String)>;

/// Where the pager is.
enum Cursor {
    First(Req),
    Next(String),
}

/// Streams every item of a listing. Each page is one request with its own deadline, so
/// a long listing is not cut short by the per-operation budget.
pub(crate) fn paginate<T>(
    client: SyncClient,
    first: Result<(String, Query), SyncError>,
) -> impl Stream<Item = Result<T, SyncError>> + Send + Unpin + 'static
where
    T: DeserializeOwned + Send + 'static,
{
    let first = first.map(|(url, q)| {
        let mut req = Req::get(url);
        req.query = q;
        Cursor::First(req)
    });
    let start = match first {
        Ok(c) => Some(Ok(c)),
        Err(e) => Some(Err(e)),
    };
    stream::try_unfold(start, move |state| {
        let client = client.clone();
        async move {
            let cursor = match state {
                None => return Ok(None),
                Some(Err(e)) => return Err(e),
                Some(Ok(c)) => c,
            };
            let (req, this_url) = match cursor {
                Cursor::First(req) => {
                    let u = req.url.clone();
                    (req, u)
                }
                Cursor::Next(u) => (Req::get(u.clone()), u),
            };
            let dl = client.start();
            let body = client.execute(&req, &dl).await.result?;
            let page: Value = decode(&body)?;
            let (items, next) = split_page(&page)?;
            let items: Vec<T> = items
                .into_iter()
                .map(from_value)
                .collect::<Result<_, _>>()?;
            let next = next
                .and_then(|n| client.rebase(&n))
                // A server that links a page to itself would page forever.
                .filter(|n| *n != this_url)
                .map(|n| Ok(Cursor::Next(n)));
            Ok(Some((stream::iter(items.into_iter().map(Ok)), next)))
        }
    })
    .try_flatten()
    .boxed()
}

/// The items (under `meta.key`) and the next page link of one page.
fn split_page(page: &Value) -> Result<(Vec<Value>, Option<String>), SyncError> {
    let meta = page
        .get("meta")
        .ok_or_else(|| SyncError::Decode("page without meta".into()))?;
    let key = meta
        .get("key")
        .and_then(Value::as_str)
        .ok_or_else(|| SyncError::Decode("page meta without key".into()))?;
    let items = match page.get(key) {
        Some(Value::Array(a)) => a.clone(),
        _ => return Err(SyncError::Decode(format!("page has no {key:?} array"))),
    };
    let next = meta
        .get("next_page_url")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok((items, next))
}
