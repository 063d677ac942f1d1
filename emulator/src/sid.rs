//! Twilio-style SIDs: a two-letter prefix naming the resource kind and 32 lowercase hex digits.

/// The SID prefixes Sync uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    /// `AC`: an account.
    Account,
    /// `IS`: a Sync service.
    Service,
    /// `ET`: a document.
    Document,
    /// `MP`: a map.
    Map,
    /// `ES`: a list.
    List,
    /// `TO`: a message stream.
    Stream,
    /// `TZ`: a message published to a stream.
    StreamMessage,
    /// A Studio Flow (`/v2/Flows`).
    Flow,
    /// An IncomingPhoneNumber (2010-04-01 API).
    PhoneNumber,
    /// A Message (2010-04-01 API).
    Message,
    /// A call Recording (2010-04-01 API).
    Recording,
    /// An API Key (2010-04-01 `Keys` and IAM's `/v1/Keys`).
    ApiKey,
    /// A Call (`CA…`), named by the Recordings API's path.
    Call,
}

impl Prefix {
    /// The two letters a SID of this kind starts with.
    pub fn as_str(self) -> &'static str {
        match self {
            Prefix::Account => "AC",
            Prefix::Service => "IS",
            Prefix::Document => "ET",
            Prefix::Map => "MP",
            Prefix::List => "ES",
            Prefix::Stream => "TO",
            Prefix::StreamMessage => "TZ",
            Prefix::Flow => "FW",
            Prefix::PhoneNumber => "PN",
            Prefix::Message => "SM",
            Prefix::Recording => "RE",
            Prefix::ApiKey => "SK",
            Prefix::Call => "CA",
        }
    }
}

/// A fresh random SID. 128 random bits make collisions a non-issue for an emulator.
pub fn new_sid(prefix: Prefix) -> String {
    let mut s = String::with_capacity(34);
    s.push_str(prefix.as_str());
    for _ in 0..2 {
        s.push_str(&format!("{:016x}", fastrand::u64(..)));
    }
    s
}

/// 32 random lowercase hex digits, the shape of an auth token.
pub fn new_secret() -> String {
    new_sid(Prefix::Account)[2..].to_owned()
}

/// Whether `s` has the exact shape of a SID with this prefix (so it is looked up as a SID,
/// not as a unique name).
pub fn is_sid(prefix: Prefix, s: &str) -> bool {
    s.len() == 34 && s.starts_with(prefix.as_str()) && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `s` looks like any two-letter-prefixed SID; such strings are refused as unique
/// names because they would be ambiguous in a path.
pub fn looks_like_any_sid(s: &str) -> bool {
    s.len() == 34
        && s.as_bytes()[..2].iter().all(|b| b.is_ascii_uppercase())
        && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_sids_have_prefix_and_shape() {
        let a = new_sid(Prefix::Document);
        let b = new_sid(Prefix::Document);
        assert!(is_sid(Prefix::Document, &a), "{a}");
        assert!(!is_sid(Prefix::Map, &a));
        assert_ne!(a, b);
        assert!(looks_like_any_sid(&new_sid(Prefix::Stream)));
        assert!(!looks_like_any_sid("my-document"));
    }
}
