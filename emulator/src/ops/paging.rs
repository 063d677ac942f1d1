//! List parameters (`PageSize`, `Page`, `PageToken`, `Order`, `From`, `Bounds`) and the
//! `meta` block with its page URLs.
//!
//! Page tokens are opaque to clients: `PT` + direction (`A` after / `B` before) + type
//! (`i` integer / `s` text) + hex of the key, so any map key round-trips.

use rusqlite::types::Value;
use serde_json::json;

use super::params::Params;
use crate::error::SyncError;
use crate::store::page::{Cursor, PageQuery};
use crate::wire::encode_query;

pub const DEFAULT_PAGE_SIZE: usize = 50;
pub const MAX_PAGE_SIZE: usize = 100;

/// How item keys are typed, for parsing `From`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Integer,
    Text,
}

/// The parsed list request.
#[derive(Debug, Clone)]
pub struct Paging {
    pub query: PageQuery,
    pub page: u64,
    /// `Order`, `From`, `Bounds` as given, echoed into page URLs.
    echo: Vec<(&'static str, String)>,
    token: Option<String>,
}

impl Paging {
    /// Reads the plain paging parameters (Services, Documents, Maps, Lists, Streams).
    pub fn parse(p: &Params) -> Result<Paging, SyncError> {
        let size = match p.integer("PageSize")? {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n < 1 => {
                return Err(SyncError::InvalidParameter(format!(
                    "PageSize must be between 1 and {MAX_PAGE_SIZE}, got {n}"
                )))
            }
            // Larger requests are served at the maximum, as Twilio's APIs do, so a client
            // asking for `limit=500` still pages through everything.
            Some(n) => usize::try_from(n)
                .unwrap_or(MAX_PAGE_SIZE)
                .min(MAX_PAGE_SIZE),
        };
        let page = match p.integer("Page")? {
            None => 0,
            Some(n) => u64::try_from(n).map_err(|_| {
                SyncError::InvalidParameter(format!("Page must not be negative, got {n}"))
            })?,
        };
        let token = p
            .get("PageToken")
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        let cursor = match &token {
            None => Cursor::Start,
            Some(t) => decode_token(t)?,
        };
        Ok(Paging {
            query: PageQuery::new(cursor, size),
            page,
            echo: Vec::new(),
            token,
        })
    }

    /// Also reads `Order`, `From` and `Bounds` (Map and List items).
    pub fn parse_items(p: &Params, key_type: KeyType) -> Result<Paging, SyncError> {
        let mut paging = Self::parse(p)?;
        let mut echo = Vec::new();
        if let Some(o) = p.get("Order") {
            paging.query.descending = match o {
                "asc" => false,
                "desc" => true,
                _ => {
                    return Err(SyncError::InvalidParameter(format!(
                        "Order must be asc or desc, got {o:?}"
                    )))
                }
            };
            echo.push(("Order", o.to_owned()));
        }
        let inclusive = match p.get("Bounds") {
            None => true,
            Some(b) => {
                echo.push(("Bounds", b.to_owned()));
                match b {
                    "inclusive" => true,
                    "exclusive" => false,
                    _ => {
                        return Err(SyncError::InvalidParameter(format!(
                            "Bounds must be inclusive or exclusive, got {b:?}"
                        )))
                    }
                }
            }
        };
        if let Some(f) = p.get("From") {
            let v = match key_type {
                KeyType::Text => Value::Text(f.to_owned()),
                KeyType::Integer => Value::Integer(f.trim().parse().map_err(|_| {
                    SyncError::InvalidParameter(format!("From must be an integer, got {f:?}"))
                })?),
            };
            paging.query.from = Some((v, inclusive));
            echo.insert(0, ("From", f.to_owned()));
        }
        paging.echo = echo;
        Ok(paging)
    }

    fn url(&self, collection_url: &str, page: u64, token: Option<&str>) -> String {
        let mut pairs: Vec<(&str, String)> =
            self.echo.iter().map(|(k, v)| (*k, v.clone())).collect();
        pairs.push(("PageSize", self.query.size.to_string()));
        pairs.push(("Page", page.to_string()));
        if let Some(t) = token {
            pairs.push(("PageToken", t.to_owned()));
        }
        format!("{collection_url}?{}", encode_query(&pairs))
    }

    /// The `meta` object for a page whose first and last keys are given.
    pub fn meta(
        &self,
        collection_url: &str,
        key: &str,
        more: bool,
        first: Option<Value>,
        last: Option<Value>,
    ) -> serde_json::Value {
        let backwards = self.query.backwards();
        let has_next = if backwards { last.is_some() } else { more };
        let has_prev = if backwards {
            more
        } else {
            !matches!(self.query.cursor, Cursor::Start)
        };
        let next = match (has_next, &last) {
            (true, Some(k)) => {
                Some(self.url(collection_url, self.page + 1, Some(&encode_token('A', k))))
            }
            _ => None,
        };
        let prev = match (has_prev, &first) {
            (true, Some(k)) => Some(self.url(
                collection_url,
                self.page.saturating_sub(1),
                Some(&encode_token('B', k)),
            )),
            _ => None,
        };
        json!({
            "page": self.page,
            "page_size": self.query.size,
            "first_page_url": self.url(collection_url, 0, None),
            "previous_page_url": prev,
            "url": self.url(collection_url, self.page, self.token.as_deref()),
            "next_page_url": next,
            "key": key,
        })
    }
}

pub fn encode_token(dir: char, key: &Value) -> String {
    let (ty, bytes) = match key {
        Value::Integer(i) => ('i', i.to_string().into_bytes()),
        Value::Text(s) => ('s', s.clone().into_bytes()),
        _ => ('s', Vec::new()),
    };
    let mut t = format!("PT{dir}{ty}");
    for b in bytes {
        t.push_str(&format!("{b:02x}"));
    }
    t
}

fn decode_token(t: &str) -> Result<Cursor, SyncError> {
    let bad = || SyncError::InvalidParameter(format!("PageToken {t:?} is not valid"));
    let rest = t.strip_prefix("PT").ok_or_else(bad)?;
    let mut chars = rest.chars();
    let dir = chars.next().ok_or_else(bad)?;
    let ty = chars.next().ok_or_else(bad)?;
    let hex = chars.as_str();
    if hex.len() % 2 != 0 || !hex.is_ascii() {
        return Err(bad());
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let key = match ty {
        'i' => Value::Integer(text.parse().map_err(|_| bad())?),
        's' => Value::Text(text),
        _ => return Err(bad()),
    };
    match dir {
        'A' => Ok(Cursor::After(key)),
        'B' => Ok(Cursor::Before(key)),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_any_key() {
        for key in [Value::Integer(42), Value::Text("a/b c?&é".into())] {
            let t = encode_token('A', &key);
            assert_eq!(decode_token(&t).expect("valid"), Cursor::After(key.clone()));
        }
        assert!(decode_token("PTAzzz").is_err());
        assert!(decode_token("garbage").is_err());
    }

    #[test]
    fn page_size_is_checked_and_capped() {
        let p = Params::parse(b"PageSize=0").expect("form");
        assert_eq!(Paging::parse(&p).expect_err("zero").code(), 20001);
        let p = Params::parse(b"PageSize=1000").expect("form");
        assert_eq!(Paging::parse(&p).expect("capped").query.size, MAX_PAGE_SIZE);
    }
}
