//! `<Pay>`: PCI-compliant card or ACH capture through a payment connector, with
//! `<Prompt>`s to override what the caller hears at each step.

use super::macros::{bool_attrs, children, str_attrs, twiml_type, u32_attrs};
use super::node::Element;
use super::{Parameter, Pause, Play, Say};

twiml_type! {
    /// `<Pay>`.
    Pay
}

impl Pay {
    /// `<Pay />` with Twilio's defaults (credit card, DTMF).
    pub fn new() -> Self {
        Self(Element::new("Pay"))
    }
    str_attrs! {
        /// `input`: `dtmf`.
        input => "input",
        /// `action` URL, called with the result.
        action => "action",
        /// `bankAccountType` (ACH).
        bank_account_type => "bankAccountType",
        /// `statusCallback` URL.
        status_callback => "statusCallback",
        /// `statusCallbackMethod`.
        status_callback_method => "statusCallbackMethod",
        /// `postalCode`: `true`, `false` or a default postal code.
        postal_code => "postalCode",
        /// `paymentConnector`.
        payment_connector => "paymentConnector",
        /// `paymentMethod`: `credit-card`, `ach-debit`.
        payment_method => "paymentMethod",
        /// `tokenType`: `one-time`, `reusable`, `payment-method`.
        token_type => "tokenType",
        /// `chargeAmount`, as decimal text (`"10.50"`; `"0"` makes a token).
        charge_amount => "chargeAmount",
        /// `currency`.
        currency => "currency",
        /// `description`.
        description => "description",
        /// `validCardTypes` (space-separated).
        valid_card_types => "validCardTypes",
        /// `language`.
        language => "language",
    }
    u32_attrs! {
        /// `timeout` in seconds.
        timeout => "timeout",
        /// `maxAttempts`.
        max_attempts => "maxAttempts",
        /// `minPostalCodeLength`.
        min_postal_code_length => "minPostalCodeLength",
    }
    bool_attrs! {
        /// `securityCode`: ask for the CVV.
        security_code => "securityCode",
    }
    children! {
        /// Adds a `<Prompt>`.
        prompt(Prompt),
        /// Adds a `<Parameter>` for the connector.
        parameter(Parameter),
    }
}

impl Default for Pay {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<Prompt>` inside `<Pay>`: what to say for one step.
    Prompt
}

impl Prompt {
    /// `<Prompt />`: set `for_`.
    pub fn new() -> Self {
        Self(Element::new("Prompt"))
    }
    str_attrs! {
        /// `for`: the step (`payment-card-number`, `expiration-date`, …).
        for_ => "for",
        /// `errorType` (space-separated).
        error_type => "errorType",
        /// `cardType` (space-separated).
        card_type => "cardType",
        /// `attempt` (space-separated attempt numbers).
        attempt => "attempt",
    }
    bool_attrs! {
        /// `requireMatchingInputs`.
        require_matching_inputs => "requireMatchingInputs",
    }
    children! {
        /// Nests a `<Say>`.
        say(Say),
        /// Nests a `<Play>`.
        play(Play),
        /// Nests a `<Pause>`.
        pause(Pause),
    }
}

impl Default for Prompt {
    fn default() -> Self {
        Self::new()
    }
}
