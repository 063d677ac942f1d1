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
    /// Sends one webhook; `idempotency` sets I-Twilio-Idempotency-Token (a distinct delivery).
    pub async fn send(
        &self,
        call_sid: &str,
        step: &Step,
        idempotency: Option<&str>,
    ) -> Result<Answer> {
        let params = form(&self.account_sid, call_sid, step);
        let signed_url = format!("{}{PATH}", self.public_base);
        let sig = signature(&self.auth_token, &signed_url, &params);
        let body = serde_urlencoded::to_string(&params)?;
        let mut req = self
            .client
            .post(format!("{}{PATH}", self.send_base))
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
        Ok(Answer {
            status,
            latency: started.elapsed(),
            twiml: text.contains("<Response"),
        })
    }
}

/// A CallSid of Twilio's shape (CA + 32 hex) that is unique in this run.
pub fn call_sid(side: u8, n: u64) -> String {
    format!("CA{side:02x}{:030x}", n)
}
