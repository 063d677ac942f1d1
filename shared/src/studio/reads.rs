//! What a flow reads of its widgets' outputs, as a tree of paths (`widgets.lookup.parsed.
//! order.status` → `lookup` → `parsed` → `order` → `status`), found by reading every
//! template at load. The call's document keeps only those parts of each output: a 2 KB
//! JSON answer of which the flow reads one field costs the document that field.
//!
//! The analysis is conservative: a path that stops at an index (`sites[idx]`), at a whole
//! widget (`widgets.x | to_json`, `{% assign w = widgets.x %}`) or at `.size` / `.first` /
//! `.last` keeps everything below that point.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

/// The parts of one widget's outputs (or of one value) some expression reads.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReadTree {
    /// Everything from here down is read.
    all: bool,
    children: BTreeMap<String, ReadTree>,
}

/// Names Liquid resolves on any value: reading them reads the whole value.
const WHOLE_VALUE_NAMES: [&str; 3] = ["size", "first", "last"];

impl ReadTree {
    fn insert(&mut self, path: &[String]) {
        if self.all {
            return;
        }
        match path.split_first() {
            None => {
                self.all = true;
                self.children.clear();
            }
            Some((key, rest)) if WHOLE_VALUE_NAMES.contains(&key.as_str()) => {
                let _ = rest;
                self.all = true;
                self.children.clear();
            }
            Some((key, rest)) => self.children.entry(key.clone()).or_default().insert(rest),
        }
    }

    /// Whether output `key` is read at all.
    pub fn reads(&self, key: &str) -> bool {
        self.all || self.children.contains_key(key)
    }

    /// `value` of output `key`, cut down to what is read of it.
    pub fn prune(&self, key: &str, value: Value) -> Value {
        if self.all {
            return value;
        }
        match self.children.get(key) {
            Some(tree) => tree.prune_value(value),
            None => Value::Null,
        }
    }

    fn prune_value(&self, value: Value) -> Value {
        if self.all || self.children.is_empty() {
            return value;
        }
        match value {
            Value::Object(map) => {
                let kept: Map<String, Value> = map
                    .into_iter()
                    .filter_map(|(k, v)| {
                        let tree = self.children.get(&k)?;
                        Some((k, tree.prune_value(v)))
                    })
                    .collect();
                Value::Object(kept)
            }
            // Arrays and scalars are kept whole (indexes are not analysed).
            other => other,
        }
    }
}

/// Every `widgets.NAME.a.b…` path in `source`, by widget.
pub fn analyse<'a>(sources: impl IntoIterator<Item = &'a str>) -> HashMap<String, ReadTree> {
    static PATH: LazyLock<Regex> = LazyLock::new(|| {
        // A constant pattern, compiled by every test of this module.
        Regex::new(
            r#"widgets\s*(?:\.\s*([A-Za-z0-9_\-]+)|\[\s*["']([^"']+)["']\s*\])((?:\s*\.\s*[A-Za-z_][A-Za-z0-9_\-]*)*)"#,
        )
        .expect("the widget path pattern compiles")
    });
    let mut trees: HashMap<String, ReadTree> = HashMap::new();
    for source in sources {
        for caps in PATH.captures_iter(source) {
            let Some(widget) = caps.get(1).or_else(|| caps.get(2)) else {
                continue;
            };
            let segments: Vec<String> = caps
                .get(3)
                .map(|m| {
                    m.as_str()
                        .split('.')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            trees
                .entry(widget.as_str().to_owned())
                .or_default()
                .insert(&segments);
        }
    }
    trees
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_paths_read_are_kept() {
        let trees = analyse([
            "{{widgets.lookup.parsed.order.status}} and {{ widgets.lookup.parsed.order.items.size }}",
            "{{widgets.menu.Digits}}",
            "{% for s in widgets.sites.parsed.list %}{{s}}{% endfor %}",
            "{{ widgets['whole'] | to_json }}",
        ]);
        let lookup = &trees["lookup"];
        assert!(lookup.reads("parsed"));
        assert!(!lookup.reads("body"));
        let parsed =
            json!({"order": {"status": "shipped", "items": [1, 2], "notes": "long"}, "other": 1});
        assert_eq!(
            lookup.prune("parsed", parsed),
            json!({"order": {"status": "shipped", "items": [1, 2]}})
        );
        assert!(trees["menu"].reads("Digits") && !trees["menu"].reads("CallSid"));
        let list = json!({"list": [{"a": 1}], "x": 2});
        assert_eq!(
            trees["sites"].prune("parsed", list),
            json!({"list": [{"a": 1}]})
        );
        assert!(trees["whole"].reads("anything"));
        assert!(!trees.contains_key("unread"));
    }

    #[test]
    fn indexes_and_size_keep_the_whole_value_below() {
        let trees =
            analyse(["{{ widgets.h.parsed.sites[idx].name }} {{ widgets.h.parsed.count.size }}"]);
        let parsed = json!({"sites": [{"name": "a", "x": 1}], "count": {"k": 1}, "drop": true});
        assert_eq!(
            trees["h"].prune("parsed", parsed),
            json!({"sites": [{"name": "a", "x": 1}], "count": {"k": 1}})
        );
    }
}
