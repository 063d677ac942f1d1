//! What `callflow wire` sets on a number, and the change from what it has, as a diff.
//!
//! All three webhooks go to `store-call-state` with POST: the voice URL (a call comes
//! in), the status callback (the call's progress and end), and the voice fallback URL
//! (Twilio's second try when the voice URL fails or answers an error). The fallback is
//! the same function because store-call-state answers a fallback request (it carries
//! `ErrorCode` and `ErrorUrl`) without Sync, so a caller still hears the flow's fallback
//! when the first try failed on Sync; pointing it anywhere else would need a second
//! deployed endpoint that knows the flow.

use serde_json::Value;

/// The path of the function every webhook of the number goes to.
pub const STORE_CALL_STATE: &str = "/store-call-state";

/// The number's settings `wire` manages: the 2010-04-01 parameter, and the JSON field
/// the resource shows it in.
pub const FIELDS: [(&str, &str); 6] = [
    ("VoiceUrl", "voice_url"),
    ("VoiceMethod", "voice_method"),
    ("StatusCallback", "status_callback"),
    ("StatusCallbackMethod", "status_callback_method"),
    ("VoiceFallbackUrl", "voice_fallback_url"),
    ("VoiceFallbackMethod", "voice_fallback_method"),
];

/// The values `wire` wants for [`FIELDS`], in the same order, for functions at `base`.
pub fn desired(base: &str) -> [String; 6] {
    let url = format!("{}{STORE_CALL_STATE}", base.trim_end_matches('/'));
    [
        url.clone(),
        "POST".to_owned(),
        url.clone(),
        "POST".to_owned(),
        url,
        "POST".to_owned(),
    ]
}

/// One managed setting: what the number has and what it should have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The 2010-04-01 update parameter (`VoiceUrl`).
    pub param: &'static str,
    /// The resource's JSON field (`voice_url`).
    pub field: &'static str,
    /// The value now (`""` when unset).
    pub now: String,
    /// The value wanted.
    pub wanted: String,
}

impl Setting {
    /// Whether the number needs this setting changed. Methods compare without case, as
    /// Twilio treats them.
    pub fn changes(&self) -> bool {
        if self.param.ends_with("Method") {
            !self.now.eq_ignore_ascii_case(&self.wanted)
        } else {
            self.now != self.wanted
        }
    }
}

/// The managed settings of `number` (an IncomingPhoneNumber resource) against `base`.
pub fn compare(number: &Value, base: &str) -> Vec<Setting> {
    FIELDS
        .iter()
        .zip(desired(base))
        .map(|((param, field), wanted)| Setting {
            param,
            field,
            now: number
                .get(*field)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            wanted,
        })
        .collect()
}

/// The change as a unified diff of `field: value` lines (unchanged ones with a space).
pub fn diff(label: &str, settings: &[Setting]) -> String {
    let mut text = format!("--- {label} (now)\n+++ {label} (wired)\n");
    for s in settings {
        if s.changes() {
            text.push_str(&format!("-{}: {}\n", s.field, s.now));
            text.push_str(&format!("+{}: {}\n", s.field, s.wanted));
        } else {
            text.push_str(&format!(" {}: {}\n", s.field, s.now));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compares_and_diffs_only_what_differs() {
        let number = json!({
            "voice_url": "https://old.example/voice",
            "voice_method": "post",
            "status_callback": "",
            "status_callback_method": "POST",
            "voice_fallback_url": "https://api.example/store-call-state",
            "voice_fallback_method": "GET",
        });
        let settings = compare(&number, "https://api.example/");
        let changed: Vec<&str> = settings
            .iter()
            .filter(|s| s.changes())
            .map(|s| s.field)
            .collect();
        assert_eq!(
            changed,
            ["voice_url", "status_callback", "voice_fallback_method"]
        );
        let text = diff("+12065550100", &settings);
        assert!(text.contains("-voice_url: https://old.example/voice\n+voice_url: https://api.example/store-call-state\n"), "{text}");
        assert!(text.contains("\n voice_method: post\n"), "{text}");
        assert!(
            text.contains(
                "-status_callback: \n+status_callback: https://api.example/store-call-state\n"
            ),
            "{text}"
        );
    }
}
