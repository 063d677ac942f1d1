//! A presence beat and the map item it becomes.

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

/// Name of the Sync map that holds presence, one item per identity.
pub const PRESENCE_MAP: &str = "user-presence";

/// Longest identity accepted. Sync map keys may be up to 320 characters; Twilio Client
/// identities are at most 121, so anything longer is a mistake rather than a user.
pub const MAX_IDENTITY_LEN: usize = 121;
const MAX_DEVICE_LEN: usize = 256;

/// What an agent's app says about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PresenceStatus {
    /// `online`: the agent's app is open and in use.
    Online,
    /// `away`: the app is open but the agent is not at it.
    Away,
    /// `offline`: the beat deletes the agent's presence item instead of writing it.
    Offline,
}

impl std::str::FromStr for PresenceStatus {
    type Err = PresenceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "online" => Ok(PresenceStatus::Online),
            "away" => Ok(PresenceStatus::Away),
            "offline" => Ok(PresenceStatus::Offline),
            other => Err(PresenceError::InvalidField {
                field: "status",
                reason: format!("`{other}` is not one of online, away, offline"),
            }),
        }
    }
}

/// A beat as posted (form or JSON), before validation.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawBeat {
    /// `identity` (or `Identity`): the agent's Twilio Client identity.
    #[serde(default, alias = "Identity")]
    pub identity: Option<String>,
    /// `status` (or `Status`): `online`, `away` or `offline`.
    #[serde(default, alias = "Status")]
    pub status: Option<String>,
    /// `device` (or `Device`): a free-form label of the agent's device or app.
    #[serde(default, alias = "Device")]
    pub device: Option<String>,
}

/// A validated beat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beat {
    /// The agent's Client identity, 1 to [`MAX_IDENTITY_LEN`] characters.
    pub identity: String,
    /// What the agent's app says.
    pub status: PresenceStatus,
    /// The device label, at most 256 characters; `None` when empty or not sent.
    pub device: Option<String>,
}

/// The value of map item `identity` in [`PRESENCE_MAP`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Presence {
    /// The agent's Client identity (also the item's key).
    pub identity: String,
    /// The status of the latest beat (never `offline`: that beat deletes the item).
    pub status: PresenceStatus,
    /// The device label of the latest beat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// When the latest beat arrived; the item expires the presence TTL after it.
    pub last_seen: Timestamp,
}

/// A beat that cannot be accepted; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresenceError {
    /// A field is present but not acceptable.
    #[error("`{field}` is invalid: {reason}")]
    InvalidField {
        /// The field's name as posted (`identity`, `status`, `device`).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A required field is absent or empty (the field's name).
    #[error("`{0}` is required")]
    Missing(&'static str),
}

impl PresenceError {
    /// The field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            PresenceError::InvalidField { field, .. } | PresenceError::Missing(field) => field,
        }
    }
}

impl RawBeat {
    /// Checks every field; the first problem found is returned.
    pub fn validate(self) -> Result<Beat, PresenceError> {
        let identity = self
            .identity
            .filter(|i| !i.is_empty())
            .ok_or(PresenceError::Missing("identity"))?;
        check_text("identity", &identity, MAX_IDENTITY_LEN)?;
        let status = self
            .status
            .filter(|s| !s.is_empty())
            .ok_or(PresenceError::Missing("status"))?
            .parse()?;
        let device = self.device.filter(|d| !d.is_empty());
        if let Some(device) = &device {
            check_text("device", device, MAX_DEVICE_LEN)?;
        }
        Ok(Beat {
            identity,
            status,
            device,
        })
    }
}

fn check_text(field: &'static str, value: &str, max: usize) -> Result<(), PresenceError> {
    if value.chars().count() > max {
        return Err(PresenceError::InvalidField {
            field,
            reason: format!("longer than {max} characters"),
        });
    }
    if value.chars().any(char::is_control) || value.trim() != value {
        return Err(PresenceError::InvalidField {
            field,
            reason: "control characters or surrounding spaces are not allowed".to_owned(),
        });
    }
    Ok(())
}

impl Beat {
    /// The map item value this beat writes.
    pub fn presence(&self, now: Timestamp) -> Presence {
        Presence {
            identity: self.identity.clone(),
            status: self.status,
            device: self.device.clone(),
            last_seen: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(identity: &str, status: &str) -> RawBeat {
        RawBeat {
            identity: Some(identity.to_owned()),
            status: Some(status.to_owned()),
            device: None,
        }
    }

    #[test]
    fn a_good_beat_validates() {
        let beat = raw("alice", "away").validate().expect("valid");
        assert_eq!(beat.status, PresenceStatus::Away);
        let item = beat.presence("2026-11-25T10:00:00Z".parse().expect("time"));
        let json = serde_json::to_value(item).expect("json");
        assert_eq!(json["status"], "away");
        assert_eq!(json["lastSeen"], "2026-11-25T10:00:00Z");
    }

    #[test]
    fn bad_fields_are_named() {
        assert_eq!(
            raw("alice", "busy").validate().unwrap_err().field(),
            "status"
        );
        assert_eq!(
            raw("", "online").validate().unwrap_err().field(),
            "identity"
        );
        assert_eq!(
            raw("a\nb", "online").validate().unwrap_err().field(),
            "identity"
        );
        let long = "x".repeat(MAX_IDENTITY_LEN + 1);
        assert_eq!(
            raw(&long, "online").validate().unwrap_err().field(),
            "identity"
        );
        let no_status = RawBeat {
            status: None,
            ..raw("bob", "")
        };
        assert_eq!(
            no_status.validate().unwrap_err(),
            PresenceError::Missing("status")
        );
    }

    #[test]
    fn form_and_json_field_names_both_work() {
        let form: RawBeat =
            serde_urlencoded::from_str("Identity=bob&Status=online&Device=web").expect("form");
        assert_eq!(
            form.validate().expect("valid").device.as_deref(),
            Some("web")
        );
        let json: RawBeat =
            serde_json::from_str(r#"{"identity":"bob","status":"offline"}"#).expect("json");
        assert_eq!(
            json.validate().expect("valid").status,
            PresenceStatus::Offline
        );
    }
}
