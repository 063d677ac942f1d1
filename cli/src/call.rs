//! `callflow call`: a phone call simulated the way Twilio drives a voice webhook.
//!
//! It posts the signed initial webhook, then walks the TwiML it gets back verb by verb as
//! Twilio's voice engine would: `<Gather>` posts the next scripted input (digits or speech)
//! to its `action`, `<Redirect>` fetches the next document, `<Hangup>`, `<Reject>`,
//! `<Enqueue>` and a `<Dial>` without `action` end the simulated call. A `<Dial action>`,
//! `<Record>`, `<Connect>` and `<Start>`/`<Stop>` are played by `play` (scripted
//! `--dial-status`, a made-up recording with its status and transcription callbacks, a
//! session that ends at once). Then it sends the `completed` status callback and reads
//! the final state from `get-call-state`.
//!
//! [`run_watched`] reports each step as it completes (`callflow call --watch`): when it
//! happened relative to the first request, how long the webhook took, what the caller
//! heard, and the stage Sync now holds for the call (read from `get-call-state` after the
//! step, so the terminal shows what a dashboard subscribed to the document sees).

use std::collections::VecDeque;
use std::time::Instant;

use anyhow::{bail, Context as _};
use callflow::webhook::{signature, DialCallStatus, Form};
use url::Url;

use crate::play::{self, Params, Script};
use crate::twiml_doc::{self, Element};

/// Most documents a simulated call follows before it is considered a loop.
const MAX_STEPS: usize = 64;

/// How long Twilio waits for a webhook's answer, connection included.
const TWILIO_WEBHOOK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// Twilio's error codes in a fallback request (<https://www.twilio.com/docs/api/errors>):
/// the URL answered an HTTP error status ("HTTP retrieval failure"),
const FALLBACK_HTTP_FAILURE: u32 = 11200;
/// no connection or no answer within 15 s ("HTTP connection failure"),
const FALLBACK_CONNECTION_FAILURE: u32 = 11205;
/// the body is not a TwiML document ("Document parse failure").
const FALLBACK_PARSE_FAILURE: u32 = 12100;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct CallOptions {
    /// The voice webhook (`…/store-call-state`).
    pub to_url: Url,
    /// Where to read the final state (`…/get-call-state`); derived from `to_url` if unset.
    pub state_url: Option<Url>,
    /// The number's fallback URL (`VoiceFallbackUrl`), posted to as Twilio does when a
    /// webhook fails outright (`None`: a failure ends the simulated call).
    pub fallback_url: Option<Url>,
    /// Answers for DTMF gathers, in order.
    pub digits: Vec<String>,
    /// Answers for speech gathers, in order (used when a gather takes speech and no digits remain).
    pub speech: Vec<String>,
    /// `AccountSid` of the simulated call; requests are signed as this account.
    pub account_sid: String,
    /// Signs every request (`X-Twilio-Signature`), as Twilio would.
    pub auth_token: String,
    /// `CallSid` of the simulated call (`CA…`).
    pub call_sid: String,
    /// `From`: the simulated caller's number.
    pub from: String,
    /// `To`: the number the caller dialled.
    pub to: String,
    /// Bearer token for `get-call-state`; without one the read is signed instead.
    pub api_token: Option<String>,
    /// `DialCallStatus` for each `<Dial action>`, in order (`completed` once used up).
    pub dial_statuses: Vec<DialCallStatus>,
    /// Length of the made-up recording a `<Record>` gets, in seconds.
    pub recording_duration: u32,
    /// Transcript sent to a `<Record transcribe="true">`'s transcription callback.
    pub transcript: Option<String>,
    /// How long the caller takes before each answer (a person pressing keys; also lets a
    /// watcher see each stage).
    pub pause: std::time::Duration,
}

/// One request the simulated call made, and what came back.
#[derive(Debug, Clone)]
pub struct Step {
    /// The URL posted to.
    pub url: String,
    /// The form parameters posted, in order.
    pub params: Vec<(String, String)>,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The answer's body (TwiML for a voice webhook).
    pub body: String,
    /// How long the webhook took to answer.
    pub millis: f64,
    /// When the answer arrived, in milliseconds since the call's first request.
    pub at_millis: f64,
    /// What the caller heard or did in answer to this request.
    pub heard: Vec<String>,
    /// The call's state in Sync after this step (read only when watching).
    pub state: Option<serde_json::Value>,
    /// A Studio flow's widgets run during this step, as its step log has them (read only
    /// when watching).
    pub passed: Vec<serde_json::Value>,
}

/// The whole simulated call.
#[derive(Debug, Clone)]
pub struct CallReport {
    /// The simulated call's `CallSid`.
    pub call_sid: String,
    /// Every request made, in order, the status callback last.
    pub steps: Vec<Step>,
    /// What the caller heard or did, in order (`say: …`, `gather: …`, `dial: …`).
    pub transcript: Vec<String>,
    /// The state from `get-call-state` after the status callback.
    pub final_state: serde_json::Value,
    /// Messages the flow created during the call (`Messages` resources), when the
    /// webhook's server keeps them (`callflow serve`'s local 2010-04-01 API); empty
    /// elsewhere.
    pub messages: Vec<serde_json::Value>,
}

/// A fresh random CallSid.
pub fn random_call_sid() -> String {
    let hex: String = (0..32)
        .map(|_| char::from_digit(fastrand::u32(0..16), 16).unwrap_or('0'))
        .collect();
    format!("CA{hex}")
}

/// The `get-call-state` URL next to a `store-call-state` URL.
pub fn sibling_state_url(to_url: &Url) -> anyhow::Result<Url> {
    let mut url = to_url.clone();
    url.set_query(None);
    url.join("get-call-state")
        .context("cannot derive the get-call-state URL; pass --state-url")
}

/// Runs the simulated call.
pub async fn run(options: &CallOptions, http: &reqwest::Client) -> anyhow::Result<CallReport> {
    run_inner(options, http, None).await
}

/// Runs the simulated call and hands each step to `on_step` as soon as it is complete,
/// with the call's state read back from `get-call-state` after it.
pub async fn run_watched(
    options: &CallOptions,
    http: &reqwest::Client,
    on_step: &mut (dyn FnMut(&Step) + Send),
) -> anyhow::Result<CallReport> {
    run_inner(options, http, Some(on_step)).await
}

async fn run_inner(
    options: &CallOptions,
    http: &reqwest::Client,
    mut on_step: Option<&mut (dyn FnMut(&Step) + Send)>,
) -> anyhow::Result<CallReport> {
    let started = Instant::now();
    let mut sim = Simulation {
        options,
        http,
        started,
        steps: Vec::new(),
        transcript: Vec::new(),
        digits: options.digits.iter().cloned().collect(),
        speech: options.speech.iter().cloned().collect(),
        script: Script {
            dial_statuses: options.dial_statuses.iter().cloned().collect(),
            recording_duration: options.recording_duration,
            transcript: options.transcript.clone(),
        },
        callbacks: Vec::new(),
    };
    // The messages there before the call, so that those after it are the flow's.
    let messages_before = sim.list_messages().await;
    let mut next = Some((options.to_url.clone(), sim.base_params("ringing")));
    let mut documents = 0;
    while let Some((url, params)) = next.take() {
        documents += 1;
        if documents > MAX_STEPS {
            bail!("the flow did not end after {MAX_STEPS} documents; is it looping?");
        }
        let (url, response) = sim.fetch_twiml(url, params).await?;
        let heard_from = sim.transcript.len();
        next = sim.walk(&url, &response)?;
        sim.report(heard_from, &mut on_step).await?;
        // Callbacks Twilio sends on its own after the verb (a recording's status and
        // transcript): answered 204, they change the state but not the call's path.
        for (callback, params) in std::mem::take(&mut sim.callbacks) {
            sim.post(&callback, params).await?;
            let heard_from = sim.transcript.len();
            sim.report(heard_from, &mut on_step).await?;
        }
        // Also before the final status callback: the caller hears the last words first.
        if !options.pause.is_zero() {
            tokio::time::sleep(options.pause).await;
        }
    }
    let mut end = sim.base_params("completed");
    let duration = started.elapsed().as_secs().max(1);
    end.push(("CallDuration".into(), duration.to_string()));
    end.push(("CallbackSource".into(), "call-progress-events".into()));
    // Twilio neither retries nor falls back on a failed status callback: the call is
    // over either way, so a failure is reported in the transcript, not as an error.
    match sim.try_post(&options.to_url, end).await {
        Ok((status, _)) if status.is_success() => {}
        Ok((status, body)) => sim
            .transcript
            .push(format!("status callback answered {status}: {body}")),
        Err(e) => sim
            .transcript
            .push(format!("status callback failed: {e:#}")),
    }
    let heard_from = sim.transcript.len();
    sim.report(heard_from, &mut on_step).await?;
    let final_state = sim.read_state().await?;
    let messages = match messages_before {
        Some(before) => {
            let known: std::collections::HashSet<String> =
                before.iter().filter_map(message_sid).collect();
            let mut new: Vec<serde_json::Value> = sim
                .list_messages()
                .await
                .unwrap_or_default()
                .into_iter()
                .filter(|m| message_sid(m).is_some_and(|sid| !known.contains(&sid)))
                .collect();
            // Listed newest first; told in the order they were created.
            new.reverse();
            new
        }
        None => Vec::new(),
    };
    Ok(CallReport {
        call_sid: options.call_sid.clone(),
        steps: sim.steps,
        transcript: sim.transcript,
        final_state,
        messages,
    })
}

struct Simulation<'a> {
    options: &'a CallOptions,
    http: &'a reqwest::Client,
    /// When the first request was made: the zero of `Step::at_millis`.
    started: Instant,
    steps: Vec<Step>,
    transcript: Vec<String>,
    digits: VecDeque<String>,
    speech: VecDeque<String>,
    script: Script,
    /// Asynchronous callbacks due after the current request.
    callbacks: Vec<(Url, Params)>,
}

impl Simulation<'_> {
    /// Completes the last step (what the caller heard since `heard_from`, the state after
    /// it) and hands it to the watcher, if there is one.
    async fn report(
        &mut self,
        heard_from: usize,
        on_step: &mut Option<&mut (dyn FnMut(&Step) + Send)>,
    ) -> anyhow::Result<()> {
        let heard = self
            .transcript
            .get(heard_from..)
            .unwrap_or_default()
            .to_vec();
        let Some(on_step) = on_step else {
            if let Some(step) = self.steps.last_mut() {
                step.heard = heard;
            }
            return Ok(());
        };
        // While Sync is down the state cannot be read; the call goes on (the webhook
        // answers without Sync) and the step shows no state.
        let state = match self.read_state().await {
            Ok(state) => state,
            Err(e) => {
                if let Some(step) = self.steps.last_mut() {
                    step.heard = heard;
                    step.state = None;
                    on_step(step);
                }
                tracing::debug!("no state after the step: {e:#}");
                return Ok(());
            }
        };
        // A Studio flow's widgets passed since the previous step: its log entries past
        // the count the previous state had.
        let logged = |state: &serde_json::Value| state["studio"]["logged"].as_u64().unwrap_or(0);
        let before = self
            .steps
            .iter()
            .rev()
            .skip(1)
            .find_map(|s| s.state.as_ref().map(logged))
            .unwrap_or(0);
        let log = state["studio"]["log"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let new = usize::try_from(logged(&state).saturating_sub(before)).unwrap_or(usize::MAX);
        let passed = log[log.len().saturating_sub(new)..].to_vec();
        let Some(step) = self.steps.last_mut() else {
            return Ok(());
        };
        step.heard = heard;
        step.state = Some(state);
        step.passed = passed;
        on_step(step);
        Ok(())
    }

    fn base_params(&self, status: &str) -> Params {
        let o = self.options;
        [
            ("AccountSid", o.account_sid.as_str()),
            ("ApiVersion", "2010-04-01"),
            ("CallSid", o.call_sid.as_str()),
            ("CallStatus", status),
            ("Called", o.to.as_str()),
            ("Caller", o.from.as_str()),
            ("Direction", "inbound"),
            ("From", o.from.as_str()),
            ("To", o.to.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// Walks one document; returns the next request to make, if the call goes on.
    fn walk(&mut self, url: &Url, response: &Element) -> anyhow::Result<Option<(Url, Params)>> {
        for verb in &response.children {
            match verb.name.as_str() {
                "Say" => self.transcript.push(format!("say: {}", verb.text)),
                "Play" => self.transcript.push(format!("play: {}", verb.text)),
                "Pause" => self.transcript.push("pause".to_owned()),
                "Gather" => {
                    for inner in &verb.children {
                        self.transcript.push(format!("say: {}", inner.text));
                    }
                    if let Some(next) = self.gather(url, verb)? {
                        return Ok(Some(next));
                    }
                }
                "Redirect" => {
                    let target = url.join(&verb.text).context("bad <Redirect> URL")?;
                    self.transcript.push(format!("redirect: {target}"));
                    return Ok(Some((target, self.base_params("in-progress"))));
                }
                "Hangup" | "Reject" => {
                    self.transcript.push(verb.name.to_lowercase());
                    return Ok(None);
                }
                "Enqueue" => {
                    let target = play::describe_target(verb);
                    self.transcript.push(format!("enqueue: {target}"));
                    return Ok(None);
                }
                "Dial" => {
                    let base = self.base_params("in-progress");
                    let played = play::dial(url, verb, base, &mut self.script)?;
                    if let Err(next) = self.take(played) {
                        return Ok(next);
                    }
                }
                "Record" => {
                    let base = self.base_params("in-progress");
                    let account = self.options.account_sid.as_str();
                    let played = play::record(url, verb, base, account, &self.script)?;
                    if let Err(next) = self.take(played) {
                        return Ok(next);
                    }
                }
                "Connect" => {
                    let played = play::connect(url, verb, self.base_params("in-progress"))?;
                    if let Err(next) = self.take(played) {
                        return Ok(next);
                    }
                }
                "Start" | "Stop" => {
                    // Start/Stop never end the document.
                    let _ = self.take(play::start_or_stop(verb));
                }
                other => self.transcript.push(format!("(ignored <{other}>)")),
            }
        }
        // Twilio hangs up when a document runs out of verbs.
        Ok(None)
    }

    /// Notes what a played verb did; `Err` when the document ends there, holding the
    /// next request (or `None` when the call is over).
    fn take(&mut self, played: play::Played) -> Result<(), Option<(Url, Params)>> {
        self.transcript.extend(played.heard);
        self.callbacks.extend(played.callbacks);
        match played.next {
            Some(next) => Err(Some(next)),
            None if played.ends => Err(None),
            None => Ok(()),
        }
    }

    /// The caller's answer to a `<Gather>`, or `None` when Twilio would carry on to the
    /// next verb (no input and no `actionOnEmptyResult`).
    fn gather(&mut self, url: &Url, verb: &Element) -> anyhow::Result<Option<(Url, Params)>> {
        let input = verb.attr("input").unwrap_or("dtmf");
        let mut params = self.base_params("in-progress");
        if input.contains("dtmf") && !self.digits.is_empty() {
            let digits = self.digits.pop_front().unwrap_or_default();
            self.transcript.push(format!("caller presses: {digits}"));
            params.push(("Digits".into(), digits));
            params.push(("FinishedOnKey".into(), String::new()));
        } else if input.contains("speech") && !self.speech.is_empty() {
            let speech = self.speech.pop_front().unwrap_or_default();
            self.transcript.push(format!("caller says: {speech}"));
            params.push(("SpeechResult".into(), speech));
            params.push(("Confidence".into(), "0.92".into()));
        } else if verb.attr("actionOnEmptyResult") == Some("true") {
            self.transcript.push("caller stays silent".to_owned());
        } else {
            self.transcript
                .push("caller stays silent (gather falls through)".to_owned());
            return Ok(None);
        }
        // The action defaults to the current document's URL, as on Twilio.
        let action = match verb.attr("action") {
            Some(action) => url.join(action).context("bad <Gather> action URL")?,
            None => url.clone(),
        };
        Ok(Some((action, params)))
    }

    /// The TwiML document a webhook answers, and the URL it came from (relative URLs in
    /// it resolve against that). When the webhook fails outright (transport error or
    /// Twilio's 15 s timeout: 11205; an HTTP error status: 11200; a body that is not
    /// TwiML: 12100), the fallback URL is posted the same parameters plus `ErrorCode`
    /// and `ErrorUrl`, as Twilio does, and its answer is played instead.
    async fn fetch_twiml(&mut self, url: Url, params: Params) -> anyhow::Result<(Url, Element)> {
        let failure = match self.try_post(&url, params.clone()).await {
            Ok((status, body)) if status.is_success() => match twiml_doc::parse(&body) {
                Ok(document) => return Ok((url, document)),
                Err(e) => (FALLBACK_PARSE_FAILURE, format!("{e:#}")),
            },
            Ok((status, body)) if status.is_server_error() => {
                (FALLBACK_HTTP_FAILURE, format!("{status}: {body}"))
            }
            Ok((status, body)) => bail!("POST {url} answered {status}: {body}"),
            Err(e) => (FALLBACK_CONNECTION_FAILURE, format!("{e:#}")),
        };
        let (code, reason) = failure;
        let Some(fallback) = self.options.fallback_url.clone() else {
            bail!("POST {url} failed ({code}): {reason}");
        };
        self.transcript
            .push(format!("fallback: {fallback} (ErrorCode {code}: {reason})"));
        let mut params = params;
        params.push(("ErrorCode".into(), code.to_string()));
        params.push(("ErrorUrl".into(), url.to_string()));
        let body = self.post(&fallback, params).await?;
        let document = twiml_doc::parse(&body)
            .with_context(|| format!("answer of the fallback {fallback}"))?;
        Ok((fallback, document))
    }

    async fn post(&mut self, url: &Url, params: Params) -> anyhow::Result<String> {
        let (status, body) = self.try_post(url, params).await?;
        if !status.is_success() {
            bail!("POST {url} answered {status}: {body}");
        }
        Ok(body)
    }

    /// Posts a signed webhook; the status and body, or the transport failure.
    async fn try_post(
        &mut self,
        url: &Url,
        params: Params,
    ) -> anyhow::Result<(reqwest::StatusCode, String)> {
        let form: Form = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let signature = signature::compute_signature(&self.options.auth_token, url.as_str(), &form);
        let started = Instant::now();
        let response = self
            .http
            .post(url.clone())
            .header("X-Twilio-Signature", signature)
            .header("I-Twilio-Idempotency-Token", idempotency_token())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form.to_urlencoded())
            .timeout(TWILIO_WEBHOOK_TIMEOUT)
            .send()
            .await
            .with_context(|| format!("POST {url}"))?;
        let status = response.status();
        let body = response.text().await.context("reading the answer")?;
        self.steps.push(Step {
            url: url.to_string(),
            params,
            status: status.as_u16(),
            body: body.clone(),
            millis: started.elapsed().as_secs_f64() * 1000.0,
            at_millis: self.started.elapsed().as_secs_f64() * 1000.0,
            heard: Vec::new(),
            state: None,
            passed: Vec::new(),
        });
        Ok((status, body))
    }

    /// The newest messages on the webhook's server, if it serves the 2010-04-01
    /// `Messages` API for the call's account (`callflow serve` does); `None` for anything
    /// else (a Lambda URL, an error): no messages is not a failed call.
    async fn list_messages(&self) -> Option<Vec<serde_json::Value>> {
        let url = self
            .options
            .to_url
            .join(&format!(
                "/2010-04-01/Accounts/{}/Messages.json?PageSize=100",
                self.options.account_sid
            ))
            .ok()?;
        let response = self
            .http
            .get(url)
            .basic_auth(&self.options.account_sid, Some(&self.options.auth_token))
            .timeout(std::time::Duration::from_secs(5))
            .send()
            .await
            .ok()?;
        if !response.status().is_success() {
            return None;
        }
        let mut page = response.json::<serde_json::Value>().await.ok()?;
        match page.get_mut("messages")?.take() {
            serde_json::Value::Array(list) => Some(list),
            _ => None,
        }
    }

    async fn read_state(&mut self) -> anyhow::Result<serde_json::Value> {
        let base = match &self.options.state_url {
            Some(url) => url.clone(),
            None => sibling_state_url(&self.options.to_url)?,
        };
        let mut url = base;
        url.query_pairs_mut()
            .append_pair("CallSid", &self.options.call_sid);
        let request = self.http.get(url.clone());
        let request = match &self.options.api_token {
            Some(token) => request.bearer_auth(token),
            None => request.header(
                "X-Twilio-Signature",
                signature::compute_signature(&self.options.auth_token, url.as_str(), &Form::new()),
            ),
        };
        let response = request.send().await.with_context(|| format!("GET {url}"))?;
        let status = response.status();
        let body = response.text().await.context("reading the state")?;
        if !status.is_success() {
            bail!("GET {url} answered {status}: {body}");
        }
        serde_json::from_str(&body).context("get-call-state did not answer JSON")
    }
}

fn message_sid(message: &serde_json::Value) -> Option<String> {
    message
        .get("sid")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
}

/// How `callflow call` shows a message the flow created (kept by `serve`, not sent).
pub fn message_line(message: &serde_json::Value) -> String {
    let field = |name: &str| {
        message
            .get(name)
            .and_then(serde_json::Value::as_str)
            .unwrap_or("?")
    };
    format!(
        "  message {} -> {}: {:?} (kept, not sent)",
        field("from"),
        field("to"),
        field("body")
    )
}

/// How `callflow call --watch` prints a step: a header line with the time since the call
/// started, what was sent and how long the webhook took, then the stage Sync holds and
/// what the caller heard, indented.
pub fn watch_lines(step: &Step) -> String {
    let param = |name: &str| {
        step.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let path = Url::parse(&step.url)
        .map(|url| match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        })
        .unwrap_or_else(|_| step.url.clone());
    let mut sent = format!("CallStatus={}", param("CallStatus").unwrap_or("?"));
    if let Some(digits) = param("Digits") {
        sent.push_str(&format!(" Digits={digits}"));
    }
    if let Some(speech) = param("SpeechResult") {
        sent.push_str(&format!(" SpeechResult={speech:?}"));
    }
    let mut text = format!(
        "+{:>8.1} ms  POST {path} {sent} -> {} in {:.1} ms\n",
        step.at_millis, step.status, step.millis
    );
    if let Some(state) = &step.state {
        let field = |name: &str| match &state[name] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => "-".to_owned(),
            other => other.to_string(),
        };
        text.push_str(&format!(
            "              stage {}  retries {}  status {}  selections {}\n",
            field("stage"),
            field("retries"),
            field("status"),
            state["selections"].as_array().map_or(0, Vec::len)
        ));
    }
    for entry in &step.passed {
        let field = |name: &str| entry[name].as_str().unwrap_or_default().to_owned();
        let mut line = format!("widget {} -> {}", field("widget"), field("event"));
        if let Some(status) = entry["httpStatus"].as_u64() {
            line.push_str(&format!(
                "  (HTTP {status}, {} ms)",
                entry["ms"].as_u64().unwrap_or(0)
            ));
        } else if !field("error").is_empty() {
            line.push_str(&format!(
                "  (HTTP failed after {} ms: {})",
                entry["ms"].as_u64().unwrap_or(0),
                field("error")
            ));
        }
        text.push_str(&format!("              {line}\n"));
    }
    for line in &step.heard {
        text.push_str(&format!("              {line}\n"));
    }
    text
}

fn idempotency_token() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_sids_look_like_twilios() {
        let sid = random_call_sid();
        assert_eq!(sid.len(), 34);
        assert!(sid.starts_with("CA"));
        assert!(sid[2..].chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(sid, random_call_sid());
    }

    #[test]
    fn a_watched_step_shows_time_input_stage_and_what_was_heard() {
        let step = Step {
            url: "http://127.0.0.1:3000/store-call-state?stage=main-menu".to_owned(),
            params: vec![
                ("CallStatus".to_owned(), "in-progress".to_owned()),
                ("Digits".to_owned(), "2".to_owned()),
            ],
            status: 200,
            body: String::new(),
            millis: 3.25,
            at_millis: 41.5,
            heard: vec!["say: Sorry to hear that.".to_owned()],
            passed: Vec::new(),
            state: Some(serde_json::json!({
                "stage": "outage", "retries": 0, "status": "in-progress",
                "selections": [{"stage": "main-menu"}]
            })),
        };
        let text = watch_lines(&step);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "+    41.5 ms  POST /store-call-state?stage=main-menu CallStatus=in-progress Digits=2 -> 200 in 3.2 ms"
        );
        assert_eq!(
            lines[1].trim(),
            "stage outage  retries 0  status in-progress  selections 1"
        );
        assert_eq!(lines[2].trim(), "say: Sorry to hear that.");
    }

    #[test]
    fn the_state_url_sits_beside_the_webhook() {
        let to = Url::parse("http://127.0.0.1:3000/store-call-state?x=1").expect("url");
        assert_eq!(
            sibling_state_url(&to).expect("derives").as_str(),
            "http://127.0.0.1:3000/get-call-state"
        );
        let lambda = Url::parse("http://localhost:9000/lambda-url/store-call-state/").expect("url");
        assert_eq!(
            sibling_state_url(&lambda).expect("derives").as_str(),
            "http://localhost:9000/lambda-url/store-call-state/get-call-state"
        );
    }
}
