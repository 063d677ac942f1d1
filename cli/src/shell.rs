//! Words for a POSIX shell, so that printed commands work when pasted.

/// Single-quotes `text` for a POSIX shell.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// `text` as is when a shell would read it back unchanged, else [`quote`]d.
pub fn quote_if_needed(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=,+%@".contains(c));
    if plain {
        text.to_owned()
    } else {
        quote(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_a_shell_would_change() {
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(
            quote_if_needed("/work/x/target/release/callflow"),
            "/work/x/target/release/callflow"
        );
        assert_eq!(quote_if_needed("/my dir/callflow"), "'/my dir/callflow'");
        assert_eq!(quote_if_needed("a$b"), "'a$b'");
        assert_eq!(quote_if_needed(""), "''");
    }
}
