//! The 17 condition operators of Studio's `split-based-on` widget.
//!
//! This module owns only the comparison: the engine renders a transition's `input` and
//! `value` (both may be Liquid) and asks [`test()`] whether they match. The rules are Studio's
//! documented ones: conditions are case-insensitive and trim both sides; `regex` must match
//! the whole input; `less_than`/`greater_than` compare numbers only; times are 24-hour `HH:MM`
//! and dates `YYYY-MM-DD`. A value that cannot be compared (a bad regex at run time, a word
//! where a number is needed) makes the condition false rather than failing the call: a caller
//! should fall through to `noMatch`, as in Studio. [`check_value`] reports such values at flow
//! load when they are literal.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

use regex::Regex;

/// A `split-based-on` condition type, as Studio names it in a flow's JSON (`"type"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `equal_to`: the same text.
    EqualTo,
    /// `not_equal_to`: different text.
    NotEqualTo,
    /// `matches_any_of`: equal to one item of a comma-separated list.
    MatchesAnyOf,
    /// `does_not_match_any_of`: equal to no item of a comma-separated list.
    DoesNotMatchAnyOf,
    /// `is_blank`: empty or whitespace only (the value is ignored).
    IsBlank,
    /// `is_not_blank`: has a non-whitespace character (the value is ignored).
    IsNotBlank,
    /// `regex`: the regular expression matches the entire input.
    Regex,
    /// `contains`: the value occurs in the input.
    Contains,
    /// `does_not_contain`: the value does not occur in the input.
    DoesNotContain,
    /// `starts_with`: the input begins with the value.
    StartsWith,
    /// `does_not_start_with`: the input does not begin with the value.
    DoesNotStartWith,
    /// `less_than`: both numbers, input < value.
    LessThan,
    /// `greater_than`: both numbers, input > value.
    GreaterThan,
    /// `is_before_time`: both `HH:MM`, input earlier.
    IsBeforeTime,
    /// `is_after_time`: both `HH:MM`, input later.
    IsAfterTime,
    /// `is_before_date`: both `YYYY-MM-DD`, input earlier.
    IsBeforeDate,
    /// `is_after_date`: both `YYYY-MM-DD`, input later.
    IsAfterDate,
}

impl Operator {
    /// Every operator, in Studio's documented order.
    pub const ALL: [Operator; 17] = [
        Operator::EqualTo,
        Operator::NotEqualTo,
        Operator::MatchesAnyOf,
        Operator::DoesNotMatchAnyOf,
        Operator::IsBlank,
        Operator::IsNotBlank,
        Operator::Regex,
        Operator::Contains,
        Operator::DoesNotContain,
        Operator::StartsWith,
        Operator::DoesNotStartWith,
        Operator::LessThan,
        Operator::GreaterThan,
        Operator::IsBeforeTime,
        Operator::IsAfterTime,
        Operator::IsBeforeDate,
        Operator::IsAfterDate,
    ];

    /// Studio's name for the operator (`"equal_to"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::EqualTo => "equal_to",
            Operator::NotEqualTo => "not_equal_to",
            Operator::MatchesAnyOf => "matches_any_of",
            Operator::DoesNotMatchAnyOf => "does_not_match_any_of",
            Operator::IsBlank => "is_blank",
            Operator::IsNotBlank => "is_not_blank",
            Operator::Regex => "regex",
            Operator::Contains => "contains",
            Operator::DoesNotContain => "does_not_contain",
            Operator::StartsWith => "starts_with",
            Operator::DoesNotStartWith => "does_not_start_with",
            Operator::LessThan => "less_than",
            Operator::GreaterThan => "greater_than",
            Operator::IsBeforeTime => "is_before_time",
            Operator::IsAfterTime => "is_after_time",
            Operator::IsBeforeDate => "is_before_date",
            Operator::IsAfterDate => "is_after_date",
        }
    }

    /// Whether the condition compares against a `value` (all but `is_blank`/`is_not_blank`).
    pub fn needs_value(self) -> bool {
        !matches!(self, Operator::IsBlank | Operator::IsNotBlank)
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Operator {
    /// A message naming the unknown operator and listing the valid ones.
    type Err = String;

    fn from_str(s: &str) -> Result<Operator, String> {
        Operator::ALL
            .into_iter()
            .find(|op| op.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Operator::ALL.iter().map(|op| op.as_str()).collect();
                format!(
                    "unknown split operator {s:?}; expected one of: {}",
                    names.join(", ")
                )
            })
    }
}

/// Whether `input` (already rendered) satisfies `op` against `value` (already rendered).
/// Never fails: a value that cannot be compared makes the condition false (its negation too,
/// for the numeric/time/date operators, which have no negated form).
pub fn test(op: Operator, input: &str, value: &str) -> bool {
    let input = input.trim();
    let value = value.trim();
    match op {
        Operator::EqualTo => fold(input) == fold(value),
        Operator::NotEqualTo => fold(input) != fold(value),
        Operator::MatchesAnyOf => matches_any(input, value),
        Operator::DoesNotMatchAnyOf => !matches_any(input, value),
        Operator::IsBlank => input.is_empty(),
        Operator::IsNotBlank => !input.is_empty(),
        Operator::Regex => regex_matches(input, value),
        Operator::Contains => fold(input).contains(&fold(value)),
        Operator::DoesNotContain => !fold(input).contains(&fold(value)),
        Operator::StartsWith => fold(input).starts_with(&fold(value)),
        Operator::DoesNotStartWith => !fold(input).starts_with(&fold(value)),
        Operator::LessThan => compare(input, value, number).is_some_and(|o| o.is_lt()),
        Operator::GreaterThan => compare(input, value, number).is_some_and(|o| o.is_gt()),
        Operator::IsBeforeTime => compare(input, value, minutes).is_some_and(|o| o.is_lt()),
        Operator::IsAfterTime => compare(input, value, minutes).is_some_and(|o| o.is_gt()),
        Operator::IsBeforeDate => compare(input, value, date).is_some_and(|o| o.is_lt()),
        Operator::IsAfterDate => compare(input, value, date).is_some_and(|o| o.is_gt()),
    }
}

/// Checks a literal value at load (a regex that does not compile, a time that is not HH:MM, a
/// date not YYYY-MM-DD, a number that is not a number): `Err(message)`. Values that hold Liquid
/// (`{{`/`{%`) are only known at run time and pass.
pub fn check_value(op: Operator, value: &str) -> Result<(), String> {
    if value.contains("{{") || value.contains("{%") {
        return Ok(());
    }
    let trimmed = value.trim();
    match op {
        Operator::Regex => compile(trimmed)
            .map(|_| ())
            .map_err(|e| format!("regex {trimmed:?} does not compile: {e}")),
        Operator::LessThan | Operator::GreaterThan => number(trimmed)
            .map(|_| ())
            .ok_or_else(|| format!("{op} needs a number, got {trimmed:?}")),
        Operator::IsBeforeTime | Operator::IsAfterTime => minutes(trimmed)
            .map(|_| ())
            .ok_or_else(|| format!("{op} needs a 24-hour time HH:MM, got {trimmed:?}")),
        Operator::IsBeforeDate | Operator::IsAfterDate => date(trimmed)
            .map(|_| ())
            .ok_or_else(|| format!("{op} needs a date YYYY-MM-DD, got {trimmed:?}")),
        _ => Ok(()),
    }
}

/// Case folding for comparisons. Full Unicode lowercase, so "ÉTÉ" equals "été".
fn fold(s: &str) -> String {
    s.to_lowercase()
}

fn matches_any(input: &str, list: &str) -> bool {
    let input = fold(input);
    list.split(',').any(|item| fold(item.trim()) == input)
}

fn compare<T: PartialOrd>(
    input: &str,
    value: &str,
    parse: fn(&str) -> Option<T>,
) -> Option<std::cmp::Ordering> {
    parse(input)?.partial_cmp(&parse(value)?)
}

/// A finite decimal number ("12", "-3.5", "1e3"); words, "NaN" and "inf" are not numbers.
fn number(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Minutes since midnight of a 24-hour `HH:MM` (or `H:MM`).
fn minutes(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let digits = |t: &str, max_len: usize| {
        (!t.is_empty() && t.len() <= max_len && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse::<u32>().ok())
            .flatten()
    };
    let h = digits(h, 2)?;
    let m = (m.len() == 2).then(|| digits(m, 2)).flatten()?;
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// A calendar date `YYYY-MM-DD`.
fn date(s: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &format).ok()
}

/// Compiled `regex` conditions, keyed by pattern.
///
/// Patterns are few per flow and rendered values rarely change, while a compile costs far more
/// than a match, so compiled regexes are kept; the bound stops Liquid-built patterns from
/// growing the map without limit (it is simply cleared when full: refilling is cheap).
const REGEX_CACHE_LIMIT: usize = 256;

fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    static CACHE: OnceLock<Mutex<HashMap<String, Regex>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Ok(cache) = cache.lock() {
        if let Some(re) = cache.get(pattern) {
            return Ok(re.clone());
        }
    }
    // Studio: case-insensitive, and "will only match if the provided regular expression matches
    // the entire string".
    let re = regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .case_insensitive(true)
        .build()?;
    if let Ok(mut cache) = cache.lock() {
        if cache.len() >= REGEX_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(pattern.to_owned(), re.clone());
    }
    Ok(re)
}

fn regex_matches(input: &str, pattern: &str) -> bool {
    compile(pattern).is_ok_and(|re| re.is_match(input))
}

#[cfg(test)]
mod tests {
    use super::Operator::*;
    use super::*;

    #[test]
    fn documented_examples() {
        assert!(test(Contains, "aab", "A"));
        assert!(test(StartsWith, " Hoot", "hoo"));
        assert!(test(MatchesAnyOf, "YES", "yes,yeah,yup"));
        assert!(test(IsAfterDate, "2019-08-12", "2017-09-04"));
        assert!(!test(IsBeforeTime, "17:00", "16:35"));
        assert!(!test(GreaterThan, "900", "1000"));
        assert!(!test(IsBlank, "Twilio", ""));
        assert!(!test(Regex, "6", "[1-5]"));
    }

    #[test]
    fn names_round_trip_and_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for op in Operator::ALL {
            assert_eq!(op.as_str().parse::<Operator>(), Ok(op));
            assert!(seen.insert(op.as_str()));
        }
        assert_eq!("equal_to".parse::<Operator>(), Ok(EqualTo));
        assert_eq!("is_after_date".parse::<Operator>(), Ok(IsAfterDate));
        let err = "ends_with".parse::<Operator>().unwrap_err();
        assert!(
            err.contains("ends_with") && err.contains("does_not_match_any_of"),
            "{err}"
        );
        assert!("Equal_To".parse::<Operator>().is_err());
    }

    #[test]
    fn needs_value() {
        let without: Vec<Operator> = Operator::ALL
            .into_iter()
            .filter(|o| !o.needs_value())
            .collect();
        assert_eq!(without, [IsBlank, IsNotBlank]);
    }

    #[test]
    fn equal_to_and_not_equal_to() {
        assert!(test(EqualTo, "1", "1"));
        assert!(test(EqualTo, " Sales ", "sales"));
        assert!(!test(EqualTo, "1", "2"));
        assert!(!test(NotEqualTo, "SALES", "sales "));
        assert!(test(NotEqualTo, "1", "2"));
        assert!(test(EqualTo, "", ""));
        assert!(test(EqualTo, "ÉTÉ", "été"));
    }

    #[test]
    fn speech_punctuation() {
        assert!(!test(EqualTo, "Yes.", "yes"));
        assert!(test(NotEqualTo, "Yes.", "yes"));
        assert!(test(Contains, "Yes.", "yes"));
        assert!(test(MatchesAnyOf, "Yes.", "Yes, Yes."));
    }

    #[test]
    fn matches_any_of_both_ways() {
        assert!(test(MatchesAnyOf, "yup", " yes , yeah , YUP "));
        assert!(!test(MatchesAnyOf, "no", "yes,yeah,yup"));
        assert!(!test(MatchesAnyOf, "ye", "yes,yeah,yup"));
        assert!(test(DoesNotMatchAnyOf, "no", "yes,yeah,yup"));
        assert!(!test(DoesNotMatchAnyOf, " Yeah", "yes,yeah,yup"));
        assert!(test(MatchesAnyOf, "2", "1,2,3"));
    }

    #[test]
    fn blank_handling() {
        assert!(test(IsBlank, "", ""));
        assert!(test(IsBlank, "  \t\n", "ignored"));
        assert!(!test(IsNotBlank, " \n", ""));
        assert!(test(IsNotBlank, " x ", ""));
        assert!(!test(IsBlank, "0", ""));
    }

    #[test]
    fn regex_matches_whole_string_case_insensitively() {
        assert!(test(Regex, "Oh YES please", ".*yes.*"));
        assert!(!test(Regex, "Oh YES please", "yes"));
        assert!(test(Regex, "3", "[1-5]"));
        assert!(test(Regex, " 3 ", "[1-5]"));
        assert!(!test(Regex, "34", "[1-5]"));
        assert!(test(Regex, "Sí, claro", ".*(s(i|í)|y).*"));
        // An alternation is anchored as a whole, not just its first and last branches.
        assert!(!test(Regex, "yesno", "yes|no"));
        assert!(test(Regex, "no", "yes|no"));
        // A pattern that does not compile never matches.
        assert!(!test(Regex, "(", "("));
        assert!(!test(Regex, "anything", "[unclosed"));
    }

    #[test]
    fn contains_and_starts_with_both_ways() {
        assert!(test(Contains, "I want SALES please", "sales"));
        assert!(!test(Contains, "support", "sales"));
        assert!(test(DoesNotContain, "support", "sales"));
        assert!(!test(DoesNotContain, "aab", "A"));
        assert!(test(StartsWith, "Hello there", "HELLO"));
        assert!(!test(StartsWith, "Say hello", "hello"));
        assert!(test(DoesNotStartWith, "Say hello", "hello"));
        assert!(!test(DoesNotStartWith, " Hoot", "hoo"));
    }

    #[test]
    fn numeric_comparisons() {
        assert!(test(LessThan, "900", "1000"));
        assert!(test(GreaterThan, "1000", "900"));
        assert!(!test(LessThan, "1000", "900"));
        assert!(!test(LessThan, "5", "5"));
        assert!(!test(GreaterThan, "5", "5"));
        assert!(test(LessThan, "-1.5", "0"));
        assert!(test(GreaterThan, " 2.5 ", "2"));
        // No comparisons on letters, in either position, in either direction.
        for (a, b) in [
            ("abc", "5"),
            ("5", "abc"),
            ("", "5"),
            ("5", ""),
            ("b", "a"),
            ("NaN", "1"),
        ] {
            assert!(!test(LessThan, a, b), "{a} < {b}");
            assert!(!test(GreaterThan, a, b), "{a} > {b}");
        }
    }

    #[test]
    fn time_comparisons() {
        assert!(test(IsBeforeTime, "16:35", "17:00"));
        assert!(test(IsAfterTime, "17:00", "16:35"));
        assert!(!test(IsAfterTime, "16:35", "17:00"));
        assert!(!test(IsBeforeTime, "09:00", "09:00"));
        assert!(!test(IsAfterTime, "09:00", "09:00"));
        assert!(test(IsBeforeTime, "9:05", "10:00"));
        assert!(test(IsAfterTime, "23:59", "00:00"));
        for (a, b) in [
            ("noon", "12:00"),
            ("12:00", "25:00"),
            ("12:60", "13:00"),
            ("1200", "13:00"),
            ("12:5", "13:00"),
        ] {
            assert!(!test(IsBeforeTime, a, b), "{a} before {b}");
            assert!(!test(IsAfterTime, a, b), "{a} after {b}");
        }
    }

    #[test]
    fn date_comparisons() {
        assert!(test(IsBeforeDate, "2017-09-04", "2019-08-12"));
        assert!(!test(IsBeforeDate, "2019-08-12", "2017-09-04"));
        assert!(!test(IsAfterDate, "2017-09-04", "2019-08-12"));
        assert!(!test(IsAfterDate, "2019-08-12", "2019-08-12"));
        assert!(!test(IsBeforeDate, "2019-08-12", "2019-08-12"));
        assert!(test(IsAfterDate, "2020-01-01", "2019-12-31"));
        for (a, b) in [
            ("2019-02-30", "2019-03-01"),
            ("08/12/2019", "2017-09-04"),
            ("2019-8-12", "2017-09-04"),
            ("", "2017-09-04"),
        ] {
            assert!(!test(IsBeforeDate, a, b), "{a} before {b}");
            assert!(!test(IsAfterDate, a, b), "{a} after {b}");
        }
    }

    #[test]
    fn check_value_at_load() {
        assert!(check_value(Regex, ".*yes.*").is_ok());
        assert!(check_value(Regex, "[unclosed").is_err());
        assert!(check_value(LessThan, " 10 ").is_ok());
        assert!(check_value(GreaterThan, "ten").is_err());
        assert!(check_value(IsBeforeTime, "09:30").is_ok());
        assert!(check_value(IsAfterTime, "9:30 pm").is_err());
        assert!(check_value(IsBeforeDate, "2024-02-29").is_ok());
        assert!(check_value(IsAfterDate, "2023-02-29").is_err());
        assert!(check_value(LessThan, "{{widgets.h.parsed.sites.size}}").is_ok());
        assert!(check_value(EqualTo, "anything").is_ok());
        assert!(check_value(IsBlank, "").is_ok());
        let msg = check_value(GreaterThan, "ten").unwrap_err();
        assert!(msg.contains("greater_than") && msg.contains("ten"), "{msg}");
    }

    #[test]
    fn regex_cache_stays_bounded_and_correct() {
        for i in 0..(REGEX_CACHE_LIMIT + 10) {
            let pattern = format!("x{i}");
            assert!(test(Regex, &pattern, &pattern));
            assert!(!test(Regex, "y", &pattern));
        }
        assert!(test(Regex, "x0", "x0"));
    }
}
