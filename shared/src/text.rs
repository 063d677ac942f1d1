//! Byte-bounded text: cutting a string to a byte budget without splitting a character,
//! and turning a byte offset into the line and column an editor shows.

/// The largest character boundary of `text` at or below byte `offset` (clamped to the
/// text's length).
///
/// ```
/// assert_eq!(callflow::text::floor_char_boundary("é", 1), 0);
/// assert_eq!(callflow::text::floor_char_boundary("ab", 9), 2);
/// ```
pub fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// At most `max` bytes of `text`, cut on a character boundary.
///
/// ```
/// assert_eq!(callflow::text::cut("héllo", 2), "h");
/// assert_eq!(callflow::text::cut("hi", 10), "hi");
/// ```
pub fn cut(text: &str, max: usize) -> &str {
    &text[..floor_char_boundary(text, max)]
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
///
/// ```
/// assert_eq!(callflow::text::line_col("ab\ncd", 4), (2, 2));
/// ```
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = cut(text, offset);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_never_split_a_character() {
        let s = "aé€😀";
        for max in 0..=s.len() + 1 {
            let c = cut(s, max);
            assert!(c.len() <= max && s.starts_with(c));
        }
        assert_eq!(line_col("é\nx", 1), (1, 1));
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
    }
}
