//! SSML inside `<Say>`: `<break>`, `<emphasis>`, `<lang>`, `<p>`, `<phoneme>`,
//! `<prosody>`, `<s>`, `<say-as>`, `<sub>`, `<w>`.
//!
//! SSML elements nest in one another with `child` (and take text with `text`). Like
//! twilio-python, the builder does not check which SSML element may take which
//! attribute or child; Twilio's schema validation reports misuse (warning 12200).

use super::macros::{str_attrs, twiml_type};
use super::node::Element;

twiml_type! {
    /// One SSML element, built with the constructor named after it.
    ///
    /// ```
    /// use callflow::twiml::{Say, Ssml, VoiceResponse};
    ///
    /// let say = Say::new("Your code is ")
    ///     .ssml(Ssml::say_as("1234").interpret_as("digits"))
    ///     .ssml(Ssml::break_().time("500ms"))
    ///     .text(" Goodbye.");
    /// let xml = VoiceResponse::new().say(say).to_xml_without_declaration();
    /// assert_eq!(
    ///     xml,
    ///     r#"<Response><Say>Your code is <say-as interpret-as="digits">1234</say-as><break time="500ms" /> Goodbye.</Say></Response>"#
    /// );
    /// ```
    Ssml
}

impl Ssml {
    fn with_words(name: &'static str, words: impl Into<String>) -> Self {
        let mut e = Element::new(name);
        e.push_text(words);
        Self(e)
    }

    /// `<break>`: a pause (`strength`, `time`).
    pub fn break_() -> Self {
        Self(Element::new("break"))
    }
    /// `<emphasis>` (`level`).
    pub fn emphasis(words: impl Into<String>) -> Self {
        Self::with_words("emphasis", words)
    }
    /// `<lang>` (`xml:lang`).
    pub fn lang(words: impl Into<String>) -> Self {
        Self::with_words("lang", words)
    }
    /// `<p>`: a paragraph.
    pub fn p(words: impl Into<String>) -> Self {
        Self::with_words("p", words)
    }
    /// `<phoneme>` (`alphabet`, `ph`).
    pub fn phoneme(words: impl Into<String>) -> Self {
        Self::with_words("phoneme", words)
    }
    /// `<prosody>` (`volume`, `rate`, `pitch`).
    pub fn prosody(words: impl Into<String>) -> Self {
        Self::with_words("prosody", words)
    }
    /// `<s>`: a sentence.
    pub fn s(words: impl Into<String>) -> Self {
        Self::with_words("s", words)
    }
    /// `<say-as>` (`interpret-as`, `format`).
    pub fn say_as(words: impl Into<String>) -> Self {
        Self::with_words("say-as", words)
    }
    /// `<sub>` (`alias`).
    pub fn sub(words: impl Into<String>) -> Self {
        Self::with_words("sub", words)
    }
    /// `<w>` (`role`).
    pub fn w(words: impl Into<String>) -> Self {
        Self::with_words("w", words)
    }

    str_attrs! {
        /// `strength` of a `<break>` (`none`, `x-weak`, … `x-strong`).
        strength => "strength",
        /// `time` of a `<break>` (`500ms`, `2s`).
        time => "time",
        /// `level` of an `<emphasis>`.
        level => "level",
        /// `xml:lang` of a `<lang>`.
        xml_lang => "xml:lang",
        /// `alphabet` of a `<phoneme>`.
        alphabet => "alphabet",
        /// `ph` of a `<phoneme>`.
        ph => "ph",
        /// `volume` of a `<prosody>`.
        volume => "volume",
        /// `rate` of a `<prosody>`.
        rate => "rate",
        /// `pitch` of a `<prosody>`.
        pitch => "pitch",
        /// `interpret-as` of a `<say-as>`.
        interpret_as => "interpret-as",
        /// `format` of a `<say-as>`.
        format => "format",
        /// `alias` of a `<sub>`.
        alias => "alias",
        /// `role` of a `<w>`.
        role => "role",
    }
}
