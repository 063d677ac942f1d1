//! Running a Studio flow for one webhook: take what Twilio reported for the widget the
//! call waits at, move along its transition, run the widgets that make no TwiML (split,
//! set-variables, HTTP, functions, stream forks, and `send-message` / `record-call` over
//! Twilio's REST API) inside this request, and answer the TwiML
//! of the next widget that makes some, as Studio does.
//!
//! The engine is pure apart from the flow's own HTTP and REST calls: it takes the stored
//! [`Execution`] and gives back the new one with the TwiML, and the store writes it with
//! `If-Match` (one Sync request on a warm instance).
//!
//! Studio's guards hold: 1,000 steps per execution (81000), a widget run more than 10
//! times in a row, or more than 10 times within one webhook (81001). A guard, a template
//! that fails, or anything else that stops the flow ends the execution with the reason
//! recorded, and the caller hears a short goodbye instead of Twilio's "application error".

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::timestamp::Timestamp;
use crate::twiml::{Element, VoiceResponse};
use crate::webhook::Form;

use super::execution::{Execution, LogEntry};
use super::flow::StudioFlow;
use super::http::{Call, FlowHttp};
use super::liquid::Template;
use super::render;
use super::split;
use super::widget::{ContentType, Kind, Widget};

/// Studio's limit on steps per execution.
pub const MAX_STEPS: u32 = 1_000;
/// Studio's limit on runs of one widget in a row.
pub const MAX_REPEATS: usize = 10;
/// Studio's error code for the step limit.
pub const ERROR_MAX_STEPS: u32 = 81_000;
/// Studio's error code for a widget run too often in a loop.
pub const ERROR_LOOP: u32 = 81_001;
/// The error code callflow records when a widget cannot run (a template that fails to
/// render, a widget the flow should not have reached).
pub const ERROR_WIDGET: u32 = 81_002;

/// What the caller hears when the flow cannot go on: never Twilio's application error.
pub const GOODBYE: &str = "We are sorry, this call cannot continue. Goodbye.";

/// The query parameter naming the widget a callback is for.
pub const WIDGET_PARAM: &str = "widget";
/// The query parameter naming what Twilio reports (Studio's own name for it).
pub const EVENT_PARAM: &str = "FlowEvent";

/// What arrived.
#[derive(Debug, Clone, Copy)]
pub enum Arrival<'a> {
    /// The call's first webhook: the trigger's `incomingCall`.
    Call {
        /// The webhook's form parameters.
        form: &'a Form,
    },
    /// Twilio's callback for the widget the call waits at (`?widget=…&FlowEvent=…`, or
    /// `?FlowEvent=return` from a redirect's own TwiML).
    Callback {
        /// `widget`: the widget the callback is for (none: a redirect handing the call back).
        widget: Option<&'a str>,
        /// `FlowEvent`: what Twilio reports (`gather`, `dial`, `return`, …).
        event: Option<&'a str>,
        /// The webhook's form parameters.
        form: &'a Form,
        /// The webhook URL's query parameters.
        query: &'a Form,
    },
}

/// One webhook's result.
#[derive(Debug)]
pub struct Turn {
    /// The answer.
    pub twiml: VoiceResponse,
    /// The execution to store.
    pub execution: Execution,
    /// The callback named a widget the call is no longer at: nothing moved.
    pub stale: bool,
}

/// What one run needs besides the flow.
pub struct Engine<'a> {
    /// The flow (with its subflows).
    pub flow: &'a StudioFlow,
    /// The client the flow's HTTP widgets use.
    pub http: &'a FlowHttp,
    /// The URL callbacks go to, without query (relative: Twilio resolves it against the
    /// webhook it just called).
    pub action: &'a str,
    /// The time of this webhook.
    pub now: Timestamp,
}

/// Why the run stopped before reaching TwiML.
enum Stop {
    Guard { code: u32, reason: String },
}

impl Engine<'_> {
    /// A new execution for a call's first webhook.
    pub fn start(&self, form: &Form) -> Execution {
        let mut execution = Execution::default();
        for (name, value) in form.iter() {
            // The trigger is the first webhook verbatim (bounded like any value).
            if value.len() <= 256 && execution.trigger.len() < 64 {
                execution
                    .trigger
                    .insert(name.to_owned(), Value::String(value.to_owned()));
            }
        }
        execution
    }

    /// The flow whose widgets the execution is in: the subflow while one runs.
    fn scope(&self, execution: &Execution) -> &StudioFlow {
        execution
            .frame
            .as_ref()
            .and_then(|f| self.flow.subflow(&f.widget))
            .unwrap_or(self.flow)
    }

    /// Runs the flow for one webhook.
    pub async fn run(&self, mut execution: Execution, arrival: Arrival<'_>) -> Turn {
        let mut ctx = Context::of(self.scope(&execution), &execution);
        let mut prefix: Vec<Element> = Vec::new();
        let first = match arrival {
            Arrival::Call { .. } => {
                if execution.steps > 0 || execution.is_over() {
                    // A redelivered first webhook: answer where the call is.
                    return self.current(execution, true);
                }
                match self.flow.call_entry() {
                    Some(entry) => Some(entry.to_owned()),
                    None => {
                        execution.end(
                            "the trigger has no incomingCall transition".to_owned(),
                            None,
                            self.now,
                        );
                        return self.finish(execution, prefix);
                    }
                }
            }
            Arrival::Callback {
                widget,
                event,
                form,
                query,
            } => {
                let Some(waiting) = execution.waiting.clone() else {
                    return self.current(execution, true);
                };
                if widget.is_some_and(|w| w != waiting) {
                    return self.current(execution, true);
                }
                let flow = self.scope(&execution);
                let Some(w) = execution.unlabel(&waiting).and_then(|n| flow.widget(n)) else {
                    execution.end(
                        format!(
                            "widget `{waiting}` is no longer in the flow (the flow changed \
                             while the call waited there)"
                        ),
                        Some(ERROR_WIDGET),
                        self.now,
                    );
                    return self.goodbye(execution);
                };
                // A callback that names no widget is a redirect's own TwiML handing the
                // call back (`?FlowEvent=return`): it only answers a redirect widget.
                // Anything else (a retried return, a stray URL) moves nothing.
                let is_redirect = matches!(w.kind, Kind::Redirect { .. });
                if widget.is_none() && !(is_redirect && event == Some("return")) {
                    return self.current(execution, true);
                }
                let (event, outputs) = self.callback_event(w, event, form, query, &execution);
                self.keep_outputs(flow, &mut execution, &mut ctx, w, outputs);
                execution.log(LogEntry {
                    widget: waiting.clone(),
                    event: event.clone(),
                    at: self.now,
                    http_status: None,
                    ms: None,
                    error: None,
                });
                execution.waiting = None;
                execution.waiting_since = None;
                match w.next(&event) {
                    Some(next) => Some(next.to_owned()),
                    None => self.path_ended(&mut execution, &mut ctx, &waiting, &event),
                }
            }
        };
        let mut visits: HashMap<String, usize> = HashMap::new();
        let mut current = first;
        while let Some(name) = current.take() {
            let flow = self.scope(&execution);
            let label = execution.label(&name);
            let Some(w) = flow.widget(&name) else {
                execution.end(format!("no widget `{label}`"), Some(ERROR_WIDGET), self.now);
                return self.goodbye(execution);
            };
            if let Err(Stop::Guard { code, reason }) = self.guard(&execution, &mut visits, &label) {
                execution.end(reason, Some(code), self.now);
                return self.goodbye(execution);
            }
            execution.steps += 1;
            if let Kind::Subflow { parameters, .. } = &w.kind {
                current = self.enter_subflow(&mut execution, &mut ctx, w, parameters);
                continue;
            }
            if w.makes_twiml() {
                match render::widget(w, &ctx, self, &label) {
                    Ok(elements) => {
                        execution.waiting = Some(label);
                        execution.waiting_since = Some(self.now);
                        let mut response = VoiceResponse::new();
                        for e in prefix.into_iter().chain(elements) {
                            response = response.child(e);
                        }
                        return Turn {
                            twiml: response,
                            execution,
                            stale: false,
                        };
                    }
                    // Studio: a redirect whose URL cannot be parsed takes `fail`.
                    Err(e) if matches!(w.kind, Kind::Redirect { .. }) => {
                        execution.log(LogEntry {
                            widget: label.clone(),
                            event: "fail".to_owned(),
                            at: self.now,
                            http_status: None,
                            ms: None,
                            error: Some(e),
                        });
                        current = match w.next("fail") {
                            Some(next) => Some(next.to_owned()),
                            None => self.path_ended(&mut execution, &mut ctx, &label, "fail"),
                        };
                    }
                    Err(e) => {
                        current = self.widget_failed(
                            &mut execution,
                            &mut ctx,
                            format!("widget `{label}` cannot render: {e}"),
                        );
                        if execution
                            .ended
                            .as_ref()
                            .is_some_and(|e| e.error_code.is_some())
                        {
                            return self.goodbye(execution);
                        }
                    }
                }
                continue;
            }
            match self
                .run_widget(flow, w, &mut execution, &mut ctx, &mut prefix)
                .await
            {
                Ok((event, next, http)) => {
                    let (http_status, ms, error) = match http {
                        Some(h) => (h.status, Some(h.ms), h.error),
                        None => (None, None, None),
                    };
                    execution.log(LogEntry {
                        widget: label.clone(),
                        event: event.clone(),
                        at: self.now,
                        http_status,
                        ms,
                        error,
                    });
                    current = match next {
                        Some(next) => Some(next),
                        None => self.path_ended(&mut execution, &mut ctx, &label, &event),
                    };
                }
                Err(e) => {
                    current = self.widget_failed(
                        &mut execution,
                        &mut ctx,
                        format!("widget `{label}` failed: {e}"),
                    );
                    if execution
                        .ended
                        .as_ref()
                        .is_some_and(|e| e.error_code.is_some())
                    {
                        return self.goodbye(execution);
                    }
                }
            }
        }
        self.finish(execution, prefix)
    }

    /// A path with no next widget: the end of the execution, or, inside a subflow, its
    /// `completed` back in the parent. Returns the widget to run next, if any.
    fn path_ended(
        &self,
        execution: &mut Execution,
        ctx: &mut Context,
        label: &str,
        event: &str,
    ) -> Option<String> {
        if execution.frame.is_some() {
            return self.leave_subflow(execution, ctx, "completed");
        }
        execution.end(format!("flow ended at `{label}` ({event})"), None, self.now);
        None
    }

    /// A widget that cannot run: inside a subflow, the subflow `failed`; otherwise the
    /// execution ends with [`ERROR_WIDGET`] and the caller hears the goodbye.
    fn widget_failed(
        &self,
        execution: &mut Execution,
        ctx: &mut Context,
        reason: String,
    ) -> Option<String> {
        if execution.frame.is_some() {
            tracing::info!(%reason, "studio subflow failed");
            execution.note_cut(format!("subflow failed: {reason}"));
            return self.leave_subflow(execution, ctx, "failed");
        }
        execution.end(reason, Some(ERROR_WIDGET), self.now);
        None
    }

    /// Runs a `run-subflow` widget: its parameters rendered, the parent's scope set
    /// aside, the subflow entered at its trigger's `incomingParent`.
    fn enter_subflow(
        &self,
        execution: &mut Execution,
        ctx: &mut Context,
        w: &Widget,
        parameters: &[(String, Template)],
    ) -> Option<String> {
        let (Some(sub), None) = (self.flow.subflow(&w.name), &execution.frame) else {
            return self.widget_failed(
                execution,
                ctx,
                format!("the subflow of `{}` is not loaded", w.name),
            );
        };
        let rendered = match render_pairs(ctx, parameters) {
            Ok(rendered) => rendered,
            Err(e) => {
                return self.widget_failed(
                    execution,
                    ctx,
                    format!("widget `{}` parameters: {e}", w.name),
                )
            }
        };
        let parameters: Map<String, Value> = rendered
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        execution.enter_subflow(&w.name, parameters);
        *ctx = Context::of(sub, execution);
        match sub
            .widget(&sub.initial_state)
            .and_then(|t| t.next("incomingParent"))
        {
            Some(first) => Some(first.to_owned()),
            None => self.leave_subflow(execution, ctx, "completed"),
        }
    }

    /// Back from a subflow with `event` (`completed` / `failed`): its variables become the
    /// `run-subflow` widget's outputs, and the parent's path goes on.
    fn leave_subflow(
        &self,
        execution: &mut Execution,
        ctx: &mut Context,
        event: &str,
    ) -> Option<String> {
        let (widget, variables) = execution.exit_subflow()?;
        *ctx = Context::of(self.flow, execution);
        let Some(w) = self.flow.widget(&widget) else {
            execution.end(
                format!("no widget `{widget}`"),
                Some(ERROR_WIDGET),
                self.now,
            );
            return None;
        };
        self.keep_outputs(self.flow, execution, ctx, w, variables);
        execution.log(LogEntry {
            widget: widget.clone(),
            event: event.to_owned(),
            at: self.now,
            http_status: None,
            ms: None,
            error: None,
        });
        match w.next(event) {
            Some(next) => Some(next.to_owned()),
            None => {
                execution.end(
                    format!("flow ended at `{widget}` ({event})"),
                    None,
                    self.now,
                );
                None
            }
        }
    }

    /// The TwiML for where the execution is now, moving nothing: for stale callbacks and
    /// redeliveries.
    pub fn current(&self, execution: Execution, stale: bool) -> Turn {
        let flow = self.scope(&execution);
        let ctx = Context::of(flow, &execution);
        let rendered = execution.waiting.as_deref().and_then(|label| {
            let w = flow.widget(execution.unlabel(label)?)?;
            Some(render::widget(w, &ctx, self, label))
        });
        let twiml = match rendered {
            Some(Ok(elements)) => elements
                .into_iter()
                .fold(VoiceResponse::new(), VoiceResponse::child),
            _ if execution
                .ended
                .as_ref()
                .is_some_and(|e| e.error_code.is_some()) =>
            {
                goodbye_twiml()
            }
            _ => VoiceResponse::new().hangup(),
        };
        Turn {
            twiml,
            execution,
            stale,
        }
    }

    fn finish(&self, execution: Execution, prefix: Vec<Element>) -> Turn {
        let twiml = prefix
            .into_iter()
            .fold(VoiceResponse::new(), VoiceResponse::child)
            .hangup();
        Turn {
            twiml,
            execution,
            stale: false,
        }
    }

    fn goodbye(&self, execution: Execution) -> Turn {
        tracing::warn!(
            reason = execution
                .ended
                .as_ref()
                .map(|e| e.reason.as_str())
                .unwrap_or_default(),
            "studio flow stopped; the caller hears a goodbye"
        );
        Turn {
            twiml: goodbye_twiml(),
            execution,
            stale: false,
        }
    }

    fn guard(
        &self,
        execution: &Execution,
        visits: &mut HashMap<String, usize>,
        name: &str,
    ) -> Result<(), Stop> {
        if execution.steps >= MAX_STEPS {
            return Err(Stop::Guard {
                code: ERROR_MAX_STEPS,
                reason: format!("the execution reached Studio's {MAX_STEPS} steps at `{name}`"),
            });
        }
        let in_a_row = execution
            .log
            .iter()
            .rev()
            .take_while(|e| e.widget == name)
            .count();
        let seen = visits.entry(name.to_owned()).or_insert(0);
        *seen += 1;
        if in_a_row >= MAX_REPEATS || *seen > MAX_REPEATS {
            return Err(Stop::Guard {
                code: ERROR_LOOP,
                reason: format!("widget `{name}` ran more than {MAX_REPEATS} times in a loop"),
            });
        }
        Ok(())
    }

    /// The event a callback means for the widget the call waited at, and its outputs.
    fn callback_event(
        &self,
        w: &Widget,
        event: Option<&str>,
        form: &Form,
        query: &Form,
        execution: &Execution,
    ) -> (String, Map<String, Value>) {
        let params = || -> Map<String, Value> {
            form.iter()
                .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
                .collect()
        };
        let hung_up = form.get("CallStatus") == Some("completed");
        let non_empty = |name: &str| form.get(name).is_some_and(|v| !v.trim().is_empty());
        let event = match &w.kind {
            Kind::SayPlay(_) => "audioComplete",
            Kind::Gather(_) if non_empty("Digits") => "keypress",
            Kind::Gather(_) if non_empty("SpeechResult") => "speech",
            Kind::Gather(_) => "timeout",
            Kind::Connect(_) if hung_up => "hangup",
            Kind::Connect(_) => "callCompleted",
            Kind::RecordVoicemail(_) if form.get("Digits") == Some("hangup") || hung_up => "hangup",
            Kind::RecordVoicemail(_) if event == Some("noAudio") || !non_empty("RecordingUrl") => {
                "noAudio"
            }
            Kind::RecordVoicemail(_) => "recordingComplete",
            Kind::Enqueue(_) => match form.get("QueueResult") {
                Some("queue-full") => "failedToEnqueue",
                Some("system-error" | "error") => "callFailure",
                _ => "callComplete",
            },
            Kind::Redirect { timeout_secs, .. } => {
                let waited = execution.waiting_since.map_or(0, |since| {
                    (self.now.as_datetime() - since.as_datetime()).whole_seconds()
                });
                if *timeout_secs > 0 && waited > i64::try_from(*timeout_secs).unwrap_or(i64::MAX) {
                    "timeout"
                } else {
                    "return"
                }
            }
            Kind::Pay(_) => match form.get("Result") {
                Some("success") => "success",
                Some("too-many-failed-attempts") => "maxFailedAttempts",
                Some("payment-connector-error") => "providerError",
                Some("caller-interrupted-with-star") => "payInterrupted",
                Some("caller-hung-up") => "hangup",
                Some("validation-error") => "validationError",
                _ if hung_up => "hangup",
                _ => "providerError",
            },
            Kind::VirtualAgent(_) if hung_up => "hangup",
            Kind::VirtualAgent(_) => "return",
            _ => "next",
        };
        let outputs = match &w.kind {
            // Redirects pass their data as the return URL's query.
            Kind::Redirect { .. } => query
                .iter()
                .filter(|(k, _)| *k != EVENT_PARAM && *k != WIDGET_PARAM)
                .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
                .collect(),
            Kind::SayPlay(_) => Map::new(),
            _ => params(),
        };
        (event.to_owned(), outputs)
    }

    /// Keeps the outputs the flow reads, and makes them visible to later widgets.
    fn keep_outputs(
        &self,
        flow: &StudioFlow,
        execution: &mut Execution,
        ctx: &mut Context,
        w: &Widget,
        outputs: Map<String, Value>,
    ) {
        let kept: Map<String, Value> = outputs
            .into_iter()
            .filter(|(k, _)| flow.keeps(&w.name, k))
            .map(|(k, v)| {
                let v = flow.prune(&w.name, &k, v);
                (k, v)
            })
            .collect();
        if kept.is_empty() && !execution.widgets.contains_key(&w.name) {
            return;
        }
        execution.set_outputs(&w.name, kept);
        ctx.set_widget(&w.name, execution.widgets.get(&w.name).cloned());
    }

    /// Runs a widget that makes no TwiML: its event, the next widget, and for HTTP
    /// widgets what the call did.
    async fn run_widget(
        &self,
        flow: &StudioFlow,
        w: &Widget,
        execution: &mut Execution,
        ctx: &mut Context,
        prefix: &mut Vec<Element>,
    ) -> Result<(String, Option<String>, Option<HttpInfo>), String> {
        // The event a widget ends on, where it leads, and the HTTP exchange it made, if any.
        let step = |event: &str, http: Option<HttpInfo>| {
            Ok((event.to_owned(), w.next(event).map(str::to_owned), http))
        };
        let plain = |event: &str| step(event, None);
        match &w.kind {
            Kind::Split { input } => {
                let input = ctx.render(input)?;
                for m in &w.matches {
                    let mut all = !m.conditions.is_empty();
                    for c in &m.conditions {
                        let value = ctx.render(&c.value)?;
                        if !split::test(c.operator, &input, &value) {
                            all = false;
                            break;
                        }
                    }
                    if all {
                        let event = if m.label.is_empty() {
                            "match".to_owned()
                        } else {
                            format!("match: {}", m.label)
                        };
                        return Ok((event, m.next.clone(), None));
                    }
                }
                plain("noMatch")
            }
            Kind::SetVariables(vars) => {
                for (key, template) in vars {
                    let text = ctx.render(template)?;
                    execution.set_variable(key, typed(text));
                    ctx.set_variable(key, execution.variables.get(key).cloned());
                }
                plain("next")
            }
            Kind::HttpRequest(h) => {
                let url = ctx.render(&h.url)?;
                let params = render_pairs(ctx, &h.parameters)?;
                let call = if h.method == ::http::Method::GET {
                    Call {
                        method: ::http::Method::GET,
                        url: with_query(&url, &params),
                        body: None,
                    }
                } else {
                    match h.content_type {
                        ContentType::Json => Call {
                            method: h.method.clone(),
                            url,
                            body: Some((
                                "application/json",
                                match &h.body {
                                    Some(b) => ctx.render(b)?.into_bytes(),
                                    None => json_object(&params).into_bytes(),
                                },
                            )),
                        },
                        ContentType::Form => {
                            let body = match (&h.body, params.is_empty()) {
                                (Some(b), true) => ctx.render(b)?,
                                _ => form_encode(&params),
                            };
                            Call {
                                method: h.method.clone(),
                                url,
                                body: Some((
                                    "application/x-www-form-urlencoded; charset=utf-8",
                                    body.into_bytes(),
                                )),
                            }
                        }
                    }
                };
                let (ok, outputs, http) = self.call(call, false, None).await;
                self.keep_outputs(flow, execution, ctx, w, outputs);
                step(if ok { "success" } else { "failed" }, Some(http))
            }
            Kind::RunFunction { url, parameters } => {
                let url = ctx.render(url)?;
                let params = render_pairs(ctx, parameters)?;
                let call = Call {
                    method: ::http::Method::POST,
                    url,
                    body: Some((
                        "application/x-www-form-urlencoded; charset=utf-8",
                        form_encode(&params).into_bytes(),
                    )),
                };
                let previous = execution
                    .widgets
                    .get(&w.name)
                    .and_then(|o| o.get("parsed"))
                    .cloned();
                let (ok, outputs, http) = self.call(call, true, previous).await;
                self.keep_outputs(flow, execution, ctx, w, outputs);
                step(if ok { "success" } else { "fail" }, Some(http))
            }
            Kind::ForkStream(f) => {
                prefix.push(render::fork_stream(f, ctx)?);
                plain("next")
            }
            Kind::SendMessage(m) => {
                let body = ctx.render(&m.body)?;
                // Studio's defaults: from the number called, to the caller.
                let from = match &m.from {
                    Some(t) => ctx.render(t)?,
                    None => ctx.text("/flow/channel/address"),
                };
                let to = match &m.to {
                    Some(t) => ctx.render(t)?,
                    None => ctx.text("/contact/channel/address"),
                };
                let mut form = vec![
                    ("To", to.trim().to_owned()),
                    ("From", from.trim().to_owned()),
                    ("Body", body),
                ];
                if let Some(t) = &m.media_url {
                    let media = ctx.render(t)?;
                    if !media.trim().is_empty() {
                        form.push(("MediaUrl", media.trim().to_owned()));
                    }
                }
                let (ok, resource, http) = self.rest("Messages.json", &form).await;
                let mut outputs = Map::new();
                if !resource.is_empty() {
                    outputs.insert("outbound".to_owned(), Value::Object(resource));
                }
                self.keep_outputs(flow, execution, ctx, w, outputs);
                step(if ok { "sent" } else { "failed" }, Some(http))
            }
            Kind::RecordCall(r) => {
                let call: String = url::form_urlencoded::byte_serialize(
                    ctx.text("/trigger/call/CallSid").as_bytes(),
                )
                .collect();
                let (path, form) = if r.start {
                    let mut form = Vec::new();
                    if let Some(t) = &r.status_callback {
                        let url = ctx.render(t)?;
                        if !url.trim().is_empty() {
                            form.push(("RecordingStatusCallback", self.rewrite(url.trim())));
                        }
                    }
                    if let Some(method) = &r.status_callback_method {
                        form.push(("RecordingStatusCallbackMethod", method.clone()));
                    }
                    if !r.status_callback_events.is_empty() {
                        form.push((
                            "RecordingStatusCallbackEvent",
                            r.status_callback_events.join(" "),
                        ));
                    }
                    if let Some(channels) = &r.channels {
                        form.push(("RecordingChannels", channels.clone()));
                    }
                    if let Some(trim) = &r.trim {
                        form.push(("Trim", trim.clone()));
                    }
                    (format!("Calls/{call}/Recordings.json"), form)
                } else {
                    (
                        format!("Calls/{call}/Recordings/Twilio.CURRENT.json"),
                        vec![("Status", "stopped".to_owned())],
                    )
                };
                let (ok, outputs, http) = self.rest(&path, &form).await;
                self.keep_outputs(flow, execution, ctx, w, outputs);
                step(if ok { "success" } else { "failed" }, Some(http))
            }
            Kind::Trigger => plain("incomingCall"),
            Kind::Unsupported(reason) => Err(reason.clone()),
            // TwiML widgets never come here (`makes_twiml`).
            _ => Err("not a widget that runs inside the webhook".to_owned()),
        }
    }

    /// Makes an HTTP widget's call: whether it succeeded, its outputs, what happened.
    /// A function's `parsed` merges into the previous run's (Studio's documented quirk).
    async fn call(
        &self,
        call: Call,
        function: bool,
        previous_parsed: Option<Value>,
    ) -> (bool, Map<String, Value>, HttpInfo) {
        let started = std::time::Instant::now();
        match self.http.send(call).await {
            Ok(answer) => {
                let ok = (200..400).contains(&answer.status);
                let mut outputs = Map::new();
                outputs.insert("status_code".into(), json!(answer.status));
                outputs.insert("content_type".into(), json!(answer.content_type));
                let parsed = answer
                    .content_type
                    .to_ascii_lowercase()
                    .contains("json")
                    .then(|| serde_json::from_str::<Value>(&answer.body).ok())
                    .flatten()
                    .filter(Value::is_object);
                let parsed = match (function, previous_parsed, parsed) {
                    (true, Some(Value::Object(mut old)), Some(Value::Object(new))) => {
                        old.extend(new);
                        Some(Value::Object(old))
                    }
                    (true, Some(old), None) => Some(old),
                    (_, _, parsed) => parsed,
                };
                if let Some(parsed) = parsed {
                    outputs.insert("parsed".into(), parsed);
                }
                outputs.insert("body".into(), Value::String(answer.body));
                let info = HttpInfo {
                    status: Some(answer.status),
                    ms: answer.millis,
                    error: None,
                };
                (ok, outputs, info)
            }
            Err(failure) => {
                tracing::info!(error = %failure, "studio flow HTTP call failed");
                let ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
                // Studio leaves the outputs empty; the reason goes to the step log.
                let info = HttpInfo {
                    status: None,
                    ms,
                    error: Some(failure.to_string()),
                };
                (false, Map::new(), info)
            }
        }
    }

    /// POSTs a REST widget's form to Twilio's API: whether Twilio took it (2xx), the
    /// resource it answered with its fields named as Studio shows them (`Sid`, `Status`,
    /// `AccountSid`…), and what happened. A refusal keeps Twilio's `ErrorCode` and
    /// `ErrorMessage` (how Studio names them is inferred from its outputs); no answer
    /// leaves the outputs empty, as for HTTP widgets.
    async fn rest(
        &self,
        path: &str,
        form: &[(&str, String)],
    ) -> (bool, Map<String, Value>, HttpInfo) {
        let started = std::time::Instant::now();
        match self.http.twilio(path, form).await {
            Ok(answer) => {
                let ok = (200..300).contains(&answer.status);
                let parsed = match serde_json::from_str::<Value>(&answer.body) {
                    Ok(Value::Object(o)) => o,
                    _ => Map::new(),
                };
                let (outputs, error) = if ok {
                    (studio_fields(parsed), None)
                } else {
                    let code = parsed.get("code").cloned().unwrap_or(Value::Null);
                    let message = parsed
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("Twilio refused the request")
                        .to_owned();
                    let error = format!("Twilio {}: {code} {message}", answer.status);
                    let mut outputs = Map::new();
                    outputs.insert("ErrorCode".into(), code);
                    outputs.insert("ErrorMessage".into(), Value::String(message));
                    (outputs, Some(error))
                };
                if let Some(error) = &error {
                    tracing::info!(%error, path, "studio flow REST call refused");
                }
                let info = HttpInfo {
                    status: Some(answer.status),
                    ms: answer.millis,
                    error,
                };
                (ok, outputs, info)
            }
            Err(failure) => {
                tracing::info!(error = %failure, path, "studio flow REST call failed");
                let ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
                let info = HttpInfo {
                    status: None,
                    ms,
                    error: Some(failure.to_string()),
                };
                (false, Map::new(), info)
            }
        }
    }

    /// `action?widget=NAME&FlowEvent=EVENT`: where a TwiML widget's callback comes back.
    pub fn callback_url(&self, widget: &str, event: &str) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair(WIDGET_PARAM, widget)
            .append_pair(EVENT_PARAM, event)
            .finish();
        format!("{}?{query}", self.action)
    }

    /// A URL the flow's TwiML sends Twilio to, after the `--http-rewrite` prefixes.
    pub fn rewrite(&self, url: &str) -> String {
        self.http.rewrite(url)
    }
}

/// `<Say>` the goodbye, then hang up.
pub fn goodbye_twiml() -> VoiceResponse {
    VoiceResponse::new()
        .child(Element::with_text("Say", GOODBYE))
        .hangup()
}

/// Set-variables' type cast: a rendered number is kept as a number (as Studio does for
/// values not in quotes), anything else as text.
fn typed(text: String) -> Value {
    let trimmed = text.trim();
    if !trimmed.is_empty()
        && trimmed.len() < 24
        && trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '.'))
    {
        if let Ok(n) = serde_json::from_str::<serde_json::Number>(trimmed) {
            return Value::Number(n);
        }
    }
    Value::String(text)
}

fn render_pairs(
    ctx: &Context,
    pairs: &[(String, Template)],
) -> Result<Vec<(String, String)>, String> {
    pairs
        .iter()
        .map(|(k, t)| Ok((k.clone(), ctx.render(t)?)))
        .collect()
}

fn form_encode(params: &[(String, String)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        s.append_pair(k, v);
    }
    s.finish()
}

fn json_object(params: &[(String, String)]) -> String {
    let map: Map<String, Value> = params
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    Value::Object(map).to_string()
}

fn with_query(url: &str, params: &[(String, String)]) -> String {
    if params.is_empty() {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{}", form_encode(params))
}

/// A REST resource's scalar fields renamed as Studio shows them (`account_sid` →
/// `AccountSid`); nested objects (`subresource_uris`) are left out.
fn studio_fields(resource: Map<String, Value>) -> Map<String, Value> {
    resource
        .into_iter()
        .filter(|(_, v)| !v.is_object() && !v.is_array())
        .map(|(k, v)| {
            let pascal: String = k
                .split('_')
                .map(|word| {
                    let mut chars = word.chars();
                    match chars.next() {
                        Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                        None => String::new(),
                    }
                })
                .collect();
            (pascal, v)
        })
        .collect()
}

/// What an HTTP widget's call did, for the step log.
struct HttpInfo {
    status: Option<u16>,
    ms: u32,
    error: Option<String>,
}

/// Studio's context for Liquid: built once per webhook from the execution, then kept in
/// step with it as widgets set variables and outputs.
pub struct Context {
    value: Value,
}

impl Context {
    /// The context of `execution` in `flow`.
    pub fn of(flow: &StudioFlow, execution: &Execution) -> Context {
        let trigger = &execution.trigger;
        let get = |k: &str| {
            trigger
                .get(k)
                .cloned()
                .unwrap_or(Value::String(String::new()))
        };
        let call_sid = trigger
            .get("CallSid")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let flow_sid = flow
            .resource
            .sid
            .clone()
            .unwrap_or_else(|| "FW00000000000000000000000000000000".to_owned());
        let mut trigger_value = json!({ "call": Value::Object(trigger.clone()) });
        if let (Some(frame), Some(t)) = (&execution.frame, trigger_value.as_object_mut()) {
            // Inside a subflow: what the parent passed, as Studio gives it.
            t.insert(
                "parent".to_owned(),
                json!({
                    "parameters": Value::Object(frame.parameters.clone()),
                    "trigger_type": "incomingCall",
                }),
            );
        }
        let value = json!({
            "trigger": trigger_value,
            "flow": {
                "variables": Value::Object(execution.variables.clone()),
                "data": {},
                "channel": { "address": get("To") },
                "flow_sid": flow_sid,
                // Studio's `flow.sid` is the execution's SID (FN…): one per call here.
                "sid": format!("FN{}", call_sid.get(2..).unwrap_or_default()),
            },
            "contact": { "channel": { "address": get("From") } },
            "widgets": Value::Object(execution.widgets.clone()),
        });
        Context { value }
    }

    /// Renders a template against the context.
    pub fn render(&self, template: &Template) -> Result<String, String> {
        if template.is_literal() {
            return Ok(template.source().to_owned());
        }
        template.render(&self.value).map_err(|e| e.to_string())
    }

    /// The context as JSON (for SSML rendering with escaped values).
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The text at a JSON pointer of the context (empty when absent or not text).
    fn text(&self, pointer: &str) -> String {
        self.value
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    fn set_widget(&mut self, name: &str, outputs: Option<Value>) {
        if let Some(widgets) = self.value.get_mut("widgets").and_then(Value::as_object_mut) {
            match outputs {
                Some(v) => {
                    widgets.insert(name.to_owned(), v);
                }
                None => {
                    widgets.remove(name);
                }
            }
        }
    }

    fn set_variable(&mut self, key: &str, value: Option<Value>) {
        if let Some(vars) = self
            .value
            .get_mut("flow")
            .and_then(|f| f.get_mut("variables"))
            .and_then(Value::as_object_mut)
        {
            match value {
                Some(v) => {
                    vars.insert(key.to_owned(), v);
                }
                None => {
                    vars.remove(key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_resources_are_named_as_studio_shows_them() {
        let resource = json!({
            "sid": "SM0123", "account_sid": "AC1", "status": "queued", "num_media": "0",
            "error_code": null, "subresource_uris": {"media": "/x"}, "tags": ["a"]
        });
        let Value::Object(resource) = resource else {
            unreachable!("a JSON object")
        };
        let fields = studio_fields(resource);
        assert_eq!(fields.get("Sid"), Some(&json!("SM0123")));
        assert_eq!(fields.get("AccountSid"), Some(&json!("AC1")));
        assert_eq!(fields.get("NumMedia"), Some(&json!("0")));
        assert_eq!(fields.get("ErrorCode"), Some(&Value::Null));
        assert!(!fields.contains_key("SubresourceUris"));
        assert!(!fields.contains_key("Tags"));
        assert_eq!(fields.len(), 5, "{fields:?}");
    }
}
