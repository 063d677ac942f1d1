//! `<Parameter>` and `<Config>`: name/value pairs handed to whatever a verb connects to
//! (a media stream, an AI agent, a Voice SDK client, a payment connector).

use super::macros::twiml_type;
use super::node::Element;

twiml_type! {
    /// `<Parameter name="…" value="…" />`: a custom parameter.
    Parameter
}

impl Parameter {
    /// The parameter `name` = `value`.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        let mut e = Element::new("Parameter");
        e.set("name", name);
        e.set("value", value);
        Self(e)
    }
}

twiml_type! {
    /// `<Config name="…" value="…" />`: a provider setting (`<VirtualAgent>`,
    /// `<Transcription>`).
    Config
}

impl Config {
    /// The setting `name` = `value`.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        let mut e = Element::new("Config");
        e.set("name", name);
        e.set("value", value);
        Self(e)
    }
}
