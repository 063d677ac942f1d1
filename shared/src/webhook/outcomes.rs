//! What a verb's callback reports: `DialCallStatus` (`<Dial action>`), `RecordingStatus`
//! (`recordingStatusCallback`) and `TranscriptionStatus` (`transcribeCallback`), each a
//! closed set Twilio documents, so an unknown value is refused where the form is read
//! (400, naming the parameter and the values it takes) and code inside matches on the
//! enum. [`CallStatus`](super::CallStatus) is different on purpose: Twilio adds call
//! statuses, and a call must not be refused over one.

use std::str::FromStr;

/// A value outside a closed set of wire strings (`DialCallStatus=ringing`, `?event=fax`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}`: expected {expected}")]
pub struct UnknownValue {
    /// What the value was for, e.g. `DialCallStatus` or `event`.
    pub what: &'static str,
    /// The value received.
    pub value: String,
    /// The values taken, as a sentence fragment (`completed, answered, … or canceled`).
    pub expected: &'static str,
}

/// A closed set of wire strings as a `Copy` enum: `as_str`, `FromStr` (refusing anything
/// else with [`UnknownValue`]), `Display`, serde as the string, `ALL` in the order given.
///
/// `Ord` compares the wire strings, so a `BTreeMap` keyed by the enum iterates in the
/// order the same map keyed by the strings did (graphs, diffs and messages unchanged).
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident as $what:literal {
            $(#[$fmeta:meta])* $first:ident = $ftext:literal,
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)*
        }
        expected $expected:literal
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $(#[$fmeta])* $first,
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every value, in the order declared (for Twilio's parameters, its docs' order).
            pub const ALL: &'static [$name] = &[$name::$first, $($name::$variant,)*];
            /// The values taken, for messages: `a, b or c`.
            pub const EXPECTED: &'static str = $expected;

            /// The wire spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $name::$first => $ftext,
                    $($name::$variant => $text,)*
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::webhook::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $ftext => Ok($name::$first),
                    $($text => Ok($name::$variant),)*
                    other => Err($crate::webhook::UnknownValue {
                        what: $what,
                        value: other.to_owned(),
                        expected: $expected,
                    }),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<::std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $name {
            fn cmp(&self, other: &Self) -> ::std::cmp::Ordering {
                self.as_str().cmp(other.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(::serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use wire_enum;

wire_enum! {
    /// `DialCallStatus`: how a `<Dial>` ended, posted to its `action`.
    pub enum DialCallStatus as "DialCallStatus" {
        /// `completed`: the called party answered and the call ended normally.
        Completed = "completed",
        /// `answered`: answered, reported when the dial bridges to a conference.
        Answered = "answered",
        /// `busy`
        Busy = "busy",
        /// `no-answer`
        NoAnswer = "no-answer",
        /// `failed`: Twilio could not place the call (bad number, …).
        Failed = "failed",
        /// `canceled`: the caller hung up before an answer.
        Canceled = "canceled",
    }
    expected "completed, answered, busy, no-answer, failed or canceled"
}

impl DialCallStatus {
    /// The statuses a dial stage must route (or cover with `otherwise`): every dial
    /// ends with one of these, while `answered` only comes in some cases.
    pub const REQUIRED: [DialCallStatus; 5] = [
        DialCallStatus::Completed,
        DialCallStatus::Busy,
        DialCallStatus::NoAnswer,
        DialCallStatus::Failed,
        DialCallStatus::Canceled,
    ];
}

wire_enum! {
    /// `RecordingStatus` of a recording status callback.
    pub enum RecordingStatus as "RecordingStatus" {
        /// `in-progress`: recording has started.
        InProgress = "in-progress",
        /// `completed`: the recording is available.
        Completed = "completed",
        /// `absent`: silence or nothing recorded; no recording is kept.
        Absent = "absent",
        /// `failed`: the recording could not be made.
        Failed = "failed",
    }
    expected "in-progress, completed, absent or failed"
}

impl RecordingStatus {
    /// Whether nothing about the recording changes after this status (everything but
    /// `in-progress`): a late `in-progress` must not replace it.
    pub fn is_final(self) -> bool {
        !matches!(self, RecordingStatus::InProgress)
    }
}

wire_enum! {
    /// `TranscriptionStatus` of a transcription callback.
    pub enum TranscriptionStatus as "TranscriptionStatus" {
        /// `completed`: `TranscriptionText` holds the transcript.
        Completed = "completed",
        /// `failed`
        Failed = "failed",
    }
    expected "completed or failed"
}

/// An optional closed-set field: absent or empty is `None`, an unknown value the 400
/// that names the parameter and what it takes.
pub(crate) fn closed<T: FromStr<Err = UnknownValue>>(
    form: &super::Form,
    name: &'static str,
) -> Result<Option<T>, super::WebhookError> {
    match form.get(name) {
        None | Some("") => Ok(None),
        Some(v) => {
            v.parse()
                .map(Some)
                .map_err(|e: UnknownValue| super::WebhookError::InvalidField {
                    field: name,
                    value: v.to_owned(),
                    expected: e.expected,
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_reads_back_and_unknown_ones_are_refused() {
        for status in DialCallStatus::ALL {
            assert_eq!(status.as_str().parse::<DialCallStatus>(), Ok(*status));
        }
        for status in RecordingStatus::ALL {
            assert_eq!(status.as_str().parse::<RecordingStatus>(), Ok(*status));
        }
        let refused = "ringing".parse::<DialCallStatus>().expect_err("refused");
        assert_eq!(
            refused.to_string(),
            "unknown DialCallStatus `ringing`: expected completed, answered, busy, no-answer, \
             failed or canceled"
        );
    }

    #[test]
    fn order_is_the_wire_strings_order() {
        let mut sorted = DialCallStatus::ALL.to_vec();
        sorted.sort();
        let mut texts: Vec<&str> = DialCallStatus::ALL.iter().map(|s| s.as_str()).collect();
        texts.sort();
        assert_eq!(sorted.iter().map(|s| s.as_str()).collect::<Vec<_>>(), texts);
    }

    #[test]
    fn serde_uses_the_wire_string() {
        let json = serde_json::to_string(&DialCallStatus::NoAnswer).expect("serializes");
        assert_eq!(json, "\"no-answer\"");
        let back: RecordingStatus = serde_json::from_str("\"absent\"").expect("reads");
        assert_eq!(back, RecordingStatus::Absent);
        assert!(serde_json::from_str::<RecordingStatus>("\"lost\"").is_err());
    }
}
