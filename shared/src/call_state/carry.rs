//! Inputs carried forward while Sync cannot be reached.
//!
//! When `store-call-state` answers without Sync (degraded TwiML), the webhook's input
//! (digits, speech, a dial or recording result) is not stored. Instead it rides in the
//! query of every URL that TwiML names (`carry=…`, one parameter per input, oldest
//! first), so the next webhook Twilio sends brings it back; the first one that reaches
//! Sync applies the carried inputs, in order, before its own. This needs no storage
//! besides the URL, survives any Lambda instance, and each carried input keeps the
//! idempotency token of the delivery it came in, so it is applied once even when two
//! callbacks bring it back.
//!
//! Bounds: at most [`MAX_CARRIED`] inputs and [`MAX_CARRY_BYTES`] of query; the oldest
//! beyond that are dropped, and a stage that names no URL (the end of the call) carries
//! nothing further: the caller of [`Carry::encode`] counts and logs those as lost.

use crate::webhook::Form;

/// The query parameter of one carried input.
pub const CARRY_PARAM: &str = "carry";

/// Most inputs one URL carries.
pub const MAX_CARRIED: usize = 8;

/// Most bytes of `carry=` parameters in one URL (Twilio's URLs stay well under its
/// 4,000-character limit with the rest of the action).
pub const MAX_CARRY_BYTES: usize = 2_400;

/// Longest value kept per carried field (a transcript is cut at a character boundary).
pub const MAX_FIELD_BYTES: usize = 200;

/// The webhook fields an input consists of (besides the query's `stage` and `event`).
pub const FIELDS: [&str; 12] = [
    "Digits",
    "SpeechResult",
    "Confidence",
    "DialCallStatus",
    "DialCallSid",
    "DialCallDuration",
    "RecordingUrl",
    "RecordingSid",
    "RecordingDuration",
    "RecordingStatus",
    "TranscriptionText",
    "TranscriptionStatus",
];

/// The query parameters of our own callback URLs that an input carries.
pub const QUERY_FIELDS: [&str; 2] = ["stage", "event"];

/// Where a carried input keeps its delivery's idempotency token.
const TOKEN_FIELD: &str = "token";

/// One input as it was posted: its query's `stage`/`event`, its fields, its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carried {
    pairs: Form,
}

impl Carried {
    /// The input of a webhook: `query` (our URL's) and `form` (what Twilio posted).
    pub fn from_webhook(query: &Form, form: &Form, token: Option<&str>) -> Carried {
        let mut pairs = Form::new();
        for name in QUERY_FIELDS {
            if let Some(v) = query.get(name) {
                pairs.push(name, capped(v));
            }
        }
        for name in FIELDS {
            if let Some(v) = form.get(name) {
                pairs.push(name, capped(v));
            }
        }
        if let Some(token) = token {
            pairs.push(TOKEN_FIELD, capped(token));
        }
        Carried { pairs }
    }

    /// The stage the input was given at (`?stage=`).
    pub fn stage(&self) -> Option<&str> {
        self.pairs.get("stage")
    }

    /// The idempotency token of the delivery it came in.
    pub fn token(&self) -> Option<&str> {
        self.pairs.get(TOKEN_FIELD)
    }

    /// The query the input came with (`stage`, `event`).
    pub fn query(&self) -> Form {
        QUERY_FIELDS
            .iter()
            .filter_map(|&n| self.pairs.get(n).map(|v| (n, v)))
            .collect()
    }

    /// The form the input came in: `base` (the current webhook: CallSid, AccountSid, …)
    /// without its own input fields, plus the carried ones.
    pub fn form(&self, base: &Form) -> Form {
        let mut form: Form = base.iter().filter(|(n, _)| !FIELDS.contains(n)).collect();
        for name in FIELDS {
            if let Some(v) = self.pairs.get(name) {
                form.push(name, v);
            }
        }
        form
    }

    /// The input as one `carry=` parameter's value (itself form-encoded).
    pub fn value(&self) -> String {
        self.pairs.to_urlencoded()
    }
}

/// The inputs a URL carries, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Carry {
    /// The inputs, oldest first.
    pub inputs: Vec<Carried>,
}

impl Carry {
    /// The inputs in a webhook's query. Values that do not parse are skipped and
    /// counted in the second item (they are logged by the caller).
    pub fn from_query(query: &Form) -> (Carry, usize) {
        let mut bad = 0;
        let inputs = query
            .get_all(CARRY_PARAM)
            .take(MAX_CARRIED)
            .filter_map(|v| match Form::parse(v.as_bytes()) {
                Ok(pairs) => Some(Carried { pairs }),
                Err(_) => {
                    bad += 1;
                    None
                }
            })
            .collect();
        (Carry { inputs }, bad)
    }

    /// `action` with the inputs as `carry=` parameters, and the inputs that did not fit
    /// (the oldest), which the caller counts as lost.
    pub fn encode(&self, action: &str) -> (String, Vec<Carried>) {
        let mut kept: Vec<String> = Vec::new();
        let mut bytes = 0;
        let mut dropped = Vec::new();
        // Newest first, so the oldest are the ones dropped.
        for input in self.inputs.iter().rev() {
            let value = input.value();
            let mut one = Form::new();
            one.push(CARRY_PARAM, value);
            let param = one.to_urlencoded();
            if kept.len() < MAX_CARRIED && bytes + param.len() < MAX_CARRY_BYTES {
                bytes += param.len() + 1;
                kept.push(param);
            } else {
                dropped.push(input.clone());
            }
        }
        kept.reverse();
        dropped.reverse();
        if kept.is_empty() {
            return (action.to_owned(), dropped);
        }
        (format!("{action}?{}", kept.join("&")), dropped)
    }
}

fn capped(v: &str) -> &str {
    if v.len() <= MAX_FIELD_BYTES {
        return v;
    }
    let mut end = MAX_FIELD_BYTES;
    while !v.is_char_boundary(end) {
        end -= 1;
    }
    &v[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_survives_the_round_trip_through_a_url() {
        let query: Form = [("stage", "welcome")].into_iter().collect();
        let form: Form = [("CallSid", "CA1"), ("Digits", "1&2 3"), ("From", "+1")]
            .into_iter()
            .collect();
        let carry = Carry {
            inputs: vec![Carried::from_webhook(&query, &form, Some("tok"))],
        };
        let (url, dropped) = carry.encode("store-call-state");
        assert!(dropped.is_empty());
        let back = Form::parse(url.split_once('?').expect("query").1.as_bytes()).expect("query");
        let (again, bad) = Carry::from_query(&back);
        assert_eq!((again, bad), (carry.clone(), 0));
        let input = &carry.inputs[0];
        assert_eq!(input.stage(), Some("welcome"));
        assert_eq!(input.token(), Some("tok"));
        let base: Form = [("CallSid", "CA2"), ("Digits", "9")].into_iter().collect();
        let rebuilt = input.form(&base);
        assert_eq!(rebuilt.get("Digits"), Some("1&2 3"));
        assert_eq!(rebuilt.get("CallSid"), Some("CA2"));
        assert_eq!(rebuilt.get_all("Digits").count(), 1);
    }

    #[test]
    fn the_oldest_inputs_beyond_the_bounds_are_given_back_as_lost() {
        let inputs = (0..MAX_CARRIED + 3)
            .map(|i| {
                let query: Form = [("stage", format!("s{i}"))].into_iter().collect();
                Carried::from_webhook(&query, &Form::new(), None)
            })
            .collect();
        let (url, dropped) = Carry { inputs }.encode("a");
        assert_eq!(dropped.len(), 3);
        assert_eq!(dropped[0].stage(), Some("s0"));
        assert_eq!(url.matches("carry=").count(), MAX_CARRIED);
        let back = Form::parse(url.split_once('?').expect("query").1.as_bytes()).expect("query");
        let (kept, _) = Carry::from_query(&back);
        assert_eq!(kept.inputs[0].stage(), Some("s3"));
    }
}
