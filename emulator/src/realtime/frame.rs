//! Twilsock V3 framing: `TWILSOCK V3.0 <header bytes>\r\n<header JSON>\r\n<payload>`.
//!
//! The header is a JSON object (`method`, `id`, `payload_size`, `payload_type`, …); the
//! payload, `payload_size` bytes long, is JSON unless `payload_type` says otherwise. The
//! client sends frames as binary WebSocket messages and parses ours the same way
//! (twilsock's `dist/parser.js`).

use serde_json::{Map, Value};

const MAGIC: &str = "TWILSOCK V3.0 ";
/// Largest header accepted; real headers are a few hundred bytes (init with a token: ~2 KB).
const MAX_HEADER: usize = 64 * 1024;

/// One parsed frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// The header JSON object: `method`, `id`, `payload_size`, `payload_type`, ….
    pub header: Map<String, Value>,
    /// The payload bytes as sent (empty if none).
    pub payload: Vec<u8>,
}

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FrameError {
    /// The frame does not start with `TWILSOCK V3.0 `.
    #[error("not a TWILSOCK V3.0 frame")]
    Magic,
    /// The header's byte count after the magic is absent, not a number, or over 64 KiB.
    #[error("the header size is missing or not a number")]
    HeaderSize,
    /// The message ends before the header or payload sizes are reached.
    #[error("the frame is shorter than its sizes say")]
    Truncated,
    /// The header is not a JSON object (the parser's message).
    #[error("the header is not a JSON object: {0}")]
    Header(String),
    /// The header's `payload_size` is not a non-negative integer (absent means 0).
    #[error("payload_size is not a non-negative integer")]
    PayloadSize,
}

impl Frame {
    /// A frame with an empty payload.
    pub fn new(header: Map<String, Value>) -> Frame {
        Frame {
            header,
            payload: Vec::new(),
        }
    }

    /// The `method` field (`init`, `message`, `reply`, …), if any.
    pub fn method(&self) -> Option<&str> {
        self.header.get("method").and_then(Value::as_str)
    }

    /// The `id` field, if it is a string.
    pub fn id(&self) -> Option<&str> {
        self.header.get("id").and_then(Value::as_str)
    }

    /// The payload parsed as JSON; `Null` when there is none.
    pub fn json_payload(&self) -> Result<Value, serde_json::Error> {
        if self.payload.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.payload)
    }

    /// Parses one frame.
    pub fn parse(bytes: &[u8]) -> Result<Frame, FrameError> {
        let rest = bytes
            .strip_prefix(MAGIC.as_bytes())
            .ok_or(FrameError::Magic)?;
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or(FrameError::HeaderSize)?;
        let header_size: usize = std::str::from_utf8(&rest[..line_end])
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .filter(|n| *n <= MAX_HEADER)
            .ok_or(FrameError::HeaderSize)?;
        let rest = &rest[line_end + 2..];
        let header_bytes = rest.get(..header_size).ok_or(FrameError::Truncated)?;
        let header: Map<String, Value> =
            serde_json::from_slice(header_bytes).map_err(|e| FrameError::Header(e.to_string()))?;
        let payload_size = match header.get("payload_size") {
            None | Some(Value::Null) => 0,
            Some(v) => v
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or(FrameError::PayloadSize)?,
        };
        let payload = if payload_size == 0 {
            Vec::new()
        } else {
            // The header is followed by `\r\n`, then the payload.
            let after = rest.get(header_size..).ok_or(FrameError::Truncated)?;
            let after = after.strip_prefix(b"\r\n").ok_or(FrameError::Truncated)?;
            after
                .get(..payload_size)
                .ok_or(FrameError::Truncated)?
                .to_vec()
        };
        Ok(Frame { header, payload })
    }

    /// Encodes the frame, setting `payload_size` (and `payload_type` for a payload).
    pub fn encode(mut self) -> Vec<u8> {
        self.header
            .insert("payload_size".into(), Value::from(self.payload.len()));
        if !self.payload.is_empty() && !self.header.contains_key("payload_type") {
            self.header
                .insert("payload_type".into(), Value::from("application/json"));
        }
        let header = Value::Object(self.header).to_string();
        let mut out = Vec::with_capacity(MAGIC.len() + 8 + header.len() + self.payload.len() + 4);
        out.extend_from_slice(MAGIC.as_bytes());
        out.extend_from_slice(header.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.payload);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn header(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn round_trips_header_and_multibyte_payload() {
        let payload = json!({"data": {"name": "Zoë ✓"}}).to_string().into_bytes();
        let f = Frame {
            header: header(json!({"method": "message", "id": "TM1"})),
            payload: payload.clone(),
        };
        let bytes = f.encode();
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        assert!(text.starts_with("TWILSOCK V3.0 "), "{text}");
        let back = Frame::parse(&bytes).expect("parses");
        assert_eq!(back.method(), Some("message"));
        assert_eq!(back.id(), Some("TM1"));
        assert_eq!(back.payload, payload);
        assert_eq!(back.header["payload_size"], json!(payload.len()));
        assert_eq!(back.header["payload_type"], json!("application/json"));
    }

    #[test]
    fn parses_what_twilsock_sends() {
        // Exactly what twilsock's Parser.createPacket builds for a ping-less init.
        let h = r#"{"id":"TMx","method":"init","token":"t","payload_size":0}"#;
        let raw = format!("TWILSOCK V3.0 {}\r\n{h}\r\n", h.len());
        let f = Frame::parse(raw.as_bytes()).expect("parses");
        assert_eq!(f.method(), Some("init"));
        assert!(f.payload.is_empty());
        assert_eq!(f.json_payload().expect("null"), Value::Null);
    }

    #[test]
    fn refuses_malformed_frames() {
        assert_eq!(Frame::parse(b"HELLO"), Err(FrameError::Magic));
        assert_eq!(
            Frame::parse(b"TWILSOCK V3.0 abc\r\n{}"),
            Err(FrameError::HeaderSize)
        );
        assert_eq!(
            Frame::parse(b"TWILSOCK V3.0 50\r\n{}"),
            Err(FrameError::Truncated)
        );
        assert!(matches!(
            Frame::parse(b"TWILSOCK V3.0 3\r\n[1]\r\n"),
            Err(FrameError::Header(_))
        ));
        let h = r#"{"payload_size":10}"#;
        let raw = format!("TWILSOCK V3.0 {}\r\n{h}\r\nabc", h.len());
        assert_eq!(Frame::parse(raw.as_bytes()), Err(FrameError::Truncated));
        let h = r#"{"payload_size":-1}"#;
        let raw = format!("TWILSOCK V3.0 {}\r\n{h}\r\n", h.len());
        assert_eq!(Frame::parse(raw.as_bytes()), Err(FrameError::PayloadSize));
    }
}
