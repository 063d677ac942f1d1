//! The callbacks a stage's TwiML asks for (`?stage=…&event=…`): one enum renders the
//! `event` value into the URLs and parses it back when Twilio calls them, so the two
//! cannot drift apart.

crate::webhook::wire_enum! {
    /// The `event` query value of a stage's callback URL: what Twilio is reporting.
    pub enum CallbackEvent as "event" {
        /// `continue`: the `<Redirect>` of a say-and-continue stage.
        Continue = "continue",
        /// `dial`: the `<Dial action>` (with `DialCallStatus`).
        Dial = "dial",
        /// `record`: the `<Record action>`, or the `<Redirect>` after an empty recording.
        Record = "record",
        /// `recording`: the `<Record recordingStatusCallback>`.
        Recording = "recording",
        /// `transcription`: the `<Record transcribeCallback>`.
        Transcription = "transcription",
        /// `connect`: the `<Connect action>` (the session ended).
        Connect = "connect",
    }
    expected "continue, dial, record, recording, transcription or connect"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_back_and_unknown_ones_say_what_is_expected() {
        for event in CallbackEvent::ALL {
            assert_eq!(event.as_str().parse::<CallbackEvent>(), Ok(*event));
        }
        let refused = "fax".parse::<CallbackEvent>().expect_err("refused");
        assert_eq!(
            refused.to_string(),
            "unknown event `fax`: expected continue, dial, record, recording, transcription \
             or connect"
        );
    }
}
