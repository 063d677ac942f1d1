//! Keyset pagination shared by every listing.
//!
//! A page is "the next `size` rows after (or before) this key in this order", which stays
//! correct while rows are added or removed between page requests, unlike offsets.

use rusqlite::types::Value;

/// Where a page starts.
#[derive(Debug, Clone, PartialEq)]
pub enum Cursor {
    /// From the beginning (or from the `From` bound, for items).
    Start,
    /// Rows strictly after this key, in iteration order.
    After(Value),
    /// Rows strictly before this key, in iteration order (a previous page).
    Before(Value),
}

/// One page request over an ordered key column.
#[derive(Debug, Clone)]
pub struct PageQuery {
    pub cursor: Cursor,
    pub size: usize,
    pub descending: bool,
    /// Items only: the first key to read and whether it is included.
    pub from: Option<(Value, bool)>,
}

impl PageQuery {
    pub fn new(cursor: Cursor, size: usize) -> Self {
        Self {
            cursor,
            size,
            descending: false,
            from: None,
        }
    }

    /// Builds the `AND …` condition, the `ORDER BY` direction and the parameters to bind
    /// after the caller's own, for key column `col`. The caller adds `LIMIT size + 1`
    /// and must reverse the rows if [`PageQuery::backwards`] is true.
    pub fn sql(&self, col: &str) -> (String, &'static str, Vec<Value>) {
        let mut cond = String::new();
        let mut params = Vec::new();
        let (fwd, back) = if self.descending {
            ("<", ">")
        } else {
            (">", "<")
        };
        if let Some((from, inclusive)) = &self.from {
            let op = if *inclusive {
                format!("{fwd}=")
            } else {
                fwd.to_owned()
            };
            cond.push_str(&format!(" AND {col} {op} ?"));
            params.push(from.clone());
        }
        match &self.cursor {
            Cursor::Start => {}
            Cursor::After(k) => {
                cond.push_str(&format!(" AND {col} {fwd} ?"));
                params.push(k.clone());
            }
            Cursor::Before(k) => {
                cond.push_str(&format!(" AND {col} {back} ?"));
                params.push(k.clone());
            }
        }
        let order = match (self.descending, self.backwards()) {
            (false, false) | (true, true) => "ASC",
            (true, false) | (false, true) => "DESC",
        };
        (cond, order, params)
    }

    pub fn backwards(&self) -> bool {
        matches!(self.cursor, Cursor::Before(_))
    }

    /// Trims the extra probe row and restores iteration order. Returns whether more rows
    /// exist beyond the page in the direction read.
    pub fn finish<T>(&self, mut rows: Vec<T>) -> (Vec<T>, bool) {
        let more = rows.len() > self.size;
        rows.truncate(self.size);
        if self.backwards() {
            rows.reverse();
        }
        (rows, more)
    }
}
