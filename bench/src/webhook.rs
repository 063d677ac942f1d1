//! The voice webhooks of one simulated call, sent the way Twilio sends them: form-encoded
//! POST to `/store-call-state`, signed with X-Twilio-Signature over the public URL.

use std::time::{Duration, Instant};

use anyhow::Result;

use crate::sign::signature;

pub const PATH: &str = "/store-call-state";

/// One step of a simulated call.
#[derive(Clone, Debug)]
pub enum Step {
    /// First webhook of the call: no Digits, CallStatus=ringing.
    Initial,
    /// A `<Gather>` result.
    Gather(String),
    /// Status callback: CallStatus=completed with CallDuration.
    Completed,
}

impl Step {
    /// What the report calls the step at `index` of [`call_script`].
    pub fn label(&self, index: usize) -> String {
        match self {
            Step::Initial => "initial".into(),
            Step::Gather(_) => format!("gather {index}"),
            Step::Completed => "status".into(),
        }
    }
}

/// The call every benchmark run simulates: initial webhook, two gathers, status callback.
pub fn call_script() -> [Step; 4] {
    [
        Step::Initial,
        Step::Gather("2".into()),
        Step::Gather("1".into()),
        Step::Completed,
    ]
}

/// Where webhooks go and how they are signed.
#[derive(Clone)]
pub struct Target {
    /// Where the harness connects, e.g. `http://127.0.0.1:3000`.
    pub send_base: String,
    /// The URL prefix the function server believes Twilio called (its PUBLIC_BASE_URL).
    pub public_base: String,
    pub account_sid: String,
    pub auth_token: String,
    pub client: reqwest::Client,
}

/// What came back for one webhook.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub latency: Duration,
    /// The body is TwiML (`<Response`), as Twilio needs for a voice webhook.
    pub twiml: bool,
    /// Where Twilio would post the next gather: the first `<Gather action>`, as a path
    /// with query, resolved against the webhook's own path.
    pub gather_action: Option<String>,
}

impl Answer {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

pub fn form(account_sid: &str, call_sid: &str, step: &Step) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = [
        ("AccountSid", account_sid),
        ("ApiVersion", "2010-04-01"),
        ("CallSid", call_sid),
        ("Direction", "inbound"),
        ("From", "+15005550006"),
        ("To", "+15005550001"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let mut add = |k: &str, v: &str| params.push((k.to_owned(), v.to_owned()));
    match step {
        Step::Initial => add("CallStatus", "ringing"),
        Step::Gather(digits) => {
            add("CallStatus", "in-progress");
            add("Digits", digits);
        }
        Step::Completed => {
            add("CallStatus", "completed");
            add("CallDuration", "42");
        }
    }
    params
}

impl Target {
    /// Sends one webhook to [`PATH`]; `idempotency` sets I-Twilio-Idempotency-Token (a
    /// distinct delivery).
    pub async fn send(
        &self,
        call_sid: &str,
        step: &Step,
        idempotency: Option<&str>,
    ) -> Result<Answer> {
        self.send_to(PATH, call_sid, step, idempotency).await
    }

    /// Sends one webhook to `path` (with query, e.g. a gather's action URL), signed over
    /// the public URL of that path and query, as Twilio signs it.
    pub async fn send_to(
        &self,
        path: &str,
        call_sid: &str,
        step: &Step,
        idempotency: Option<&str>,
    ) -> Result<Answer> {
        let params = form(&self.account_sid, call_sid, step);
        let signed_url = format!("{}{path}", self.public_base);
        let sig = signature(&self.auth_token, &signed_url, &params);
        let body = serde_urlencoded::to_string(&params)?;
        let mut req = self
            .client
            .post(format!("{}{path}", self.send_base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", sig)
            .body(body);
        if let Some(token) = idempotency {
            req = req.header("i-twilio-idempotency-token", token);
        }
        let started = Instant::now();
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        let latency = started.elapsed();
        Ok(Answer {
            status,
            latency,
            twiml: text.contains("<Response"),
            gather_action: gather_action(&text, path),
        })
    }
}

/// A CallSid of Twilio's shape (CA + 32 hex) that is unique in this run.
pub fn call_sid(side: u8, n: u64) -> String {
    format!("CA{side:02x}{:030x}", n)
}

/// The `action` of the first `<Gather>` in `twiml`, resolved against `current` (a path with
/// optional query) the way a browser resolves a relative URL. Absolute URLs keep only
/// their path and query: everything is sent to the server under test.
pub fn gather_action(twiml: &str, current: &str) -> Option<String> {
    let gather = &twiml[twiml.find("<Gather")?..];
    let tag = &gather[..gather.find('>')?];
    let start = tag.find(" action=\"")? + " action=\"".len();
    let raw = &tag[start..start + tag[start..].find('"')?];
    let action = raw
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    if let Some(rest) = action
        .strip_prefix("http://")
        .or_else(|| action.strip_prefix("https://"))
    {
        return Some(
            rest.find('/')
                .map_or("/".to_owned(), |i| rest[i..].to_owned()),
        );
    }
    if action.starts_with('/') {
        return Some(action);
    }
    let current_path = current.split('?').next().unwrap_or("/");
    let dir = &current_path[..current_path.rfind('/').map_or(0, |i| i + 1)];
    Some(format!(
        "{}{action}",
        if dir.is_empty() { "/" } else { dir }
    ))
}

#[cfg(test)]
mod tests {
    use super::gather_action;

    #[test]
    fn resolves_gather_actions() {
        let relative = r#"<Response><Say>Hi</Say><Gather action="store-call-state?stage=welcome&amp;x=1" numDigits="1"></Gather></Response>"#;
        assert_eq!(
            gather_action(relative, "/store-call-state").as_deref(),
            Some("/store-call-state?stage=welcome&x=1")
        );
        let absolute = r#"<Response><Gather input="dtmf" action="/store-call-state" method="POST"/></Response>"#;
        assert_eq!(
            gather_action(absolute, "/a/b?q=1").as_deref(),
            Some("/store-call-state")
        );
        let full = r#"<Response><Gather action="https://example.com/fn/store?s=2"/></Response>"#;
        assert_eq!(gather_action(full, "/x").as_deref(), Some("/fn/store?s=2"));
        assert_eq!(gather_action("<Response><Hangup/></Response>", "/x"), None);
    }
}
