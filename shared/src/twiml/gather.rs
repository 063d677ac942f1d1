//! `<Gather>`: collect digits or speech, with `<Say>`, `<Play>` and `<Pause>` inside.

use super::macros::{bool_attrs, children, str_attrs, twiml_type, u32_attrs};
use super::node::Element;
use super::{Pause, Play, Say};

twiml_type! {
    /// `<Gather>`.
    ///
    /// ```
    /// use callflow::twiml::{Gather, Say, VoiceResponse};
    ///
    /// let xml = VoiceResponse::new()
    ///     .gather(Gather::new().action("/voice/menu").input("dtmf speech").num_digits(1).say(Say::new("Press 1.")))
    ///     .hangup()
    ///     .to_xml();
    /// assert_eq!(
    ///     xml,
    ///     r#"<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/voice/menu" input="dtmf speech" numDigits="1"><Say>Press 1.</Say></Gather><Hangup /></Response>"#
    /// );
    /// ```
    Gather
}

impl Gather {
    /// `<Gather />` with Twilio's defaults (DTMF, 5 s timeout, `#` finishes).
    pub fn new() -> Self {
        Self(Element::new("Gather"))
    }

    children! {
        /// Nests a `<Say>` (the prompt).
        say(Say),
        /// Nests a `<Play>`.
        play(Play),
        /// Nests a `<Pause>`.
        pause(Pause),
    }

    str_attrs! {
        /// `input`: `dtmf` (default), `speech` or `dtmf speech`.
        input => "input",
        /// `action` URL that receives the result (default: the current document's URL).
        action => "action",
        /// `method` for `action` (`POST` by default).
        method => "method",
        /// `finishOnKey` (`#` by default; `""` disables it).
        finish_on_key => "finishOnKey",
        /// `speechTimeout`: `auto` or seconds.
        speech_timeout => "speechTimeout",
        /// `language` of the speech, e.g. `en-US`.
        language => "language",
        /// `hints`: comma-separated words or phrases.
        hints => "hints",
        /// `speechModel`.
        speech_model => "speechModel",
        /// `partialResultCallback` URL.
        partial_result_callback => "partialResultCallback",
        /// `partialResultCallbackMethod`.
        partial_result_callback_method => "partialResultCallbackMethod",
    }
    u32_attrs! {
        /// `timeout`: seconds to wait for input.
        timeout => "timeout",
        /// `numDigits`: stop after this many digits.
        num_digits => "numDigits",
        /// `maxSpeechTime` in seconds.
        max_speech_time => "maxSpeechTime",
    }
    bool_attrs! {
        /// `actionOnEmptyResult`: call `action` even with no input.
        action_on_empty_result => "actionOnEmptyResult",
        /// `profanityFilter`.
        profanity_filter => "profanityFilter",
        /// `enhanced` speech model.
        enhanced => "enhanced",
        /// `bargeIn`: stop the prompt when the caller starts speaking.
        barge_in => "bargeIn",
        /// `debug`.
        debug => "debug",
    }
}

impl Default for Gather {
    fn default() -> Self {
        Self::new()
    }
}
