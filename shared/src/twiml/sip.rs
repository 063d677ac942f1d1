//! `<Sip>` inside `<Dial>`, with its `<Uri>` alternatives and `<Headers>`.

use super::macros::{amd_attrs, children, str_attrs, twiml_type, u32_attrs};
use super::node::Element;

twiml_type! {
    /// `<Sip>`: a SIP endpoint inside `<Dial>`.
    Sip
}

impl Sip {
    /// The SIP URI (`sip:alice@example.com`); pass `""` and add [`SipUri`]s to try
    /// several.
    pub fn new(uri: impl Into<String>) -> Self {
        let mut e = Element::new("Sip");
        e.push_text(uri);
        Self(e)
    }
    children! {
        /// Adds a `<Uri>` (tried in priority order, weighted within a priority).
        uri(SipUri),
        /// Adds the `<Headers>` to send.
        headers(Headers),
    }
    str_attrs! {
        /// `username` for SIP authentication.
        username => "username",
        /// `password` for SIP authentication.
        password => "password",
        /// `url`: TwiML for the SIP party before connecting.
        url => "url",
        /// `method` for `url`.
        method => "method",
        /// `statusCallback` URL.
        status_callback => "statusCallback",
        /// `statusCallbackMethod`.
        status_callback_method => "statusCallbackMethod",
        /// `statusCallbackEvent` (space-separated).
        status_callback_event => "statusCallbackEvent",
    }
    amd_attrs!();
}

twiml_type! {
    /// `<Uri>` inside `<Sip>`: one SIP URI to try.
    SipUri
}

impl SipUri {
    /// The SIP URI.
    pub fn new(sip_url: impl Into<String>) -> Self {
        let mut e = Element::new("Uri");
        e.push_text(sip_url);
        Self(e)
    }
    u32_attrs! {
        /// `priority`: lower is tried first.
        priority => "priority",
        /// `weight` among URIs of the same priority.
        weight => "weight",
    }
    str_attrs! {
        /// `username` for SIP authentication.
        username => "username",
        /// `password` for SIP authentication.
        password => "password",
    }
}

twiml_type! {
    /// `<Headers>` inside `<Sip>`: SIP headers to send.
    Headers
}

impl Headers {
    /// No headers yet: add [`Header`]s.
    pub fn new() -> Self {
        Self(Element::new("Headers"))
    }
    children! {
        /// Adds a `<Header>`.
        header(Header),
    }
}

impl Default for Headers {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<Header>`: one SIP header (`name`, `value`).
    Header
}

impl Header {
    /// A header `name: value`.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        let mut e = Element::new("Header");
        e.set("name", name);
        e.set("value", value);
        Self(e)
    }
}
