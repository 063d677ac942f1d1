//! The TwiML of Studio's voice widgets (studio-flows.md §5; the mapping is callflow's,
//! as Twilio does not publish Studio's). Every widget whose outcome depends on the call
//! (a gather's answer, a dial's result, a recording) names a callback to this webhook,
//! `?widget=NAME&FlowEvent=EVENT`, which is how the engine knows what came back.
//!
//! Rendered values are XML-escaped by the writer; SSML an author wrote in a `say`
//! passes through as elements (values interpolated into it are still escaped).

use serde_json::Value;

use crate::twiml::Element;

use super::engine::{Context, Engine};
use super::liquid::Template;
use super::widget::{Connect, Enqueue, ForkStream, Gather, Kind, Noun, SayPlay, Widget};

/// The verbs of a TwiML widget; `label` is the name its callbacks carry (the widget's
/// name, or `subflow_widget/name` inside a subflow).
pub fn widget(
    w: &Widget,
    ctx: &Context,
    engine: &Engine<'_>,
    label: &str,
) -> Result<Vec<Element>, String> {
    let callback = |event: &str| engine.callback_url(label, event);
    Ok(match &w.kind {
        Kind::SayPlay(s) => {
            let mut out = prompt(s, ctx, true)?;
            out.push(
                Element::with_text("Redirect", callback("audioComplete")).attr("method", "POST"),
            );
            out
        }
        Kind::Gather(g) => vec![gather(g, ctx, callback("gather"))?],
        Kind::Connect(c) => vec![dial(c, ctx, callback("dial"))?],
        Kind::RecordVoicemail(r) => {
            let mut record = Element::new("Record")
                .attr("action", callback("record"))
                .attr("method", "POST");
            if let Some(t) = r.timeout {
                record = record.attr("timeout", t);
            }
            if let Some(k) = &r.finish_on_key {
                record = record.attr("finishOnKey", k);
            }
            if let Some(m) = r.max_length {
                record = record.attr("maxLength", m);
            }
            if let Some(b) = r.play_beep {
                record = record.attr("playBeep", b);
            }
            if let Some(t) = &r.trim {
                record = record.attr("trim", t);
            }
            if r.transcribe {
                record = record.attr("transcribe", "true");
                let url = match &r.transcription_callback_url {
                    Some(t) => engine.rewrite(&ctx.render(t)?),
                    None => callback("transcription"),
                };
                record = record.attr("transcribeCallback", url);
            }
            if let Some(t) = &r.recording_status_callback_url {
                record = record.attr("recordingStatusCallback", engine.rewrite(&ctx.render(t)?));
            }
            // Twilio skips the action after an empty recording and plays on: this
            // redirect is how `noAudio` comes back.
            vec![
                record,
                Element::with_text("Redirect", callback("noAudio")).attr("method", "POST"),
            ]
        }
        Kind::Enqueue(e) => vec![enqueue(e, ctx, engine, callback("enqueue"))?],
        Kind::Redirect { url, method, .. } => {
            let url = ctx.render(url)?;
            if url::Url::parse(&url).is_err() && !url.starts_with('/') {
                return Err(format!("redirect URL `{url}` cannot be parsed"));
            }
            vec![Element::with_text("Redirect", engine.rewrite(&url)).attr("method", method)]
        }
        Kind::Pay(p) => {
            let mut pay = Element::new("Pay")
                .attr("action", callback("pay"))
                .attr("method", "POST");
            for (attribute, t) in &p.attributes {
                let v = ctx.render(t)?;
                if !v.is_empty() {
                    pay = pay.attr(*attribute, v);
                }
            }
            for (k, t) in &p.parameters {
                pay = pay.child(parameter(k, &ctx.render(t)?));
            }
            vec![pay]
        }
        Kind::VirtualAgent(v) => {
            let mut agent =
                Element::new("VirtualAgent").attr("connectorName", ctx.render(&v.connector)?);
            if let Some(l) = &v.language {
                agent = agent.attr("language", ctx.render(l)?);
            }
            if let Some(s) = v.sentiment_analysis {
                agent = agent.attr("sentimentAnalysis", s);
            }
            if let Some(s) = &v.status_callback {
                agent = agent.attr("statusCallback", engine.rewrite(&ctx.render(s)?));
            }
            vec![Element::new("Connect")
                .attr("action", callback("va"))
                .attr("method", "POST")
                .child(agent)]
        }
        _ => return Err(format!("{} makes no TwiML", w.type_name)),
    })
}

/// `<Say>` / `<Play>` / `<Play digits>` of a say-play or a gather's prompt.
fn prompt(s: &SayPlay, ctx: &Context, digits_allowed: bool) -> Result<Vec<Element>, String> {
    let mut out = Vec::new();
    let loops = s.loops.filter(|&l| l != 1);
    if let Some(say) = &s.say {
        let mut e = say_element(say, ctx)?;
        if let Some(voice) = s
            .voice
            .as_deref()
            .filter(|v| !v.eq_ignore_ascii_case("default"))
        {
            e = e.attr("voice", voice);
        }
        if let Some(language) = &s.language {
            e = e.attr("language", language);
        }
        if let Some(l) = loops {
            e = e.attr("loop", l);
        }
        out.push(e);
    }
    if let Some(play) = &s.play {
        let mut e = Element::with_text("Play", ctx.render(play)?);
        if let Some(l) = loops {
            e = e.attr("loop", l);
        }
        out.push(e);
    }
    if digits_allowed {
        if let Some(digits) = &s.digits {
            out.push(Element::new("Play").attr("digits", ctx.render(digits)?));
        }
    }
    Ok(out)
}

/// `<Say>` with the rendered text; SSML the author wrote becomes elements.
fn say_element(say: &Template, ctx: &Context) -> Result<Element, String> {
    if !say.source().contains('<') {
        return Ok(Element::with_text("Say", ctx.render(say)?));
    }
    // Render with every interpolated string escaped, so that only the author's own tags
    // are markup, then read the result as XML.
    let escaped = say
        .render(&escape_strings(ctx.value()))
        .map_err(|e| e.to_string())?;
    match ssml(&escaped) {
        Some(e) => Ok(e),
        // Not well-formed: say it as text, as written.
        None => Ok(Element::with_text("Say", ctx.render(say)?)),
    }
}

/// The context with every string XML-escaped.
fn escape_strings(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;"),
        ),
        Value::Array(items) => Value::Array(items.iter().map(escape_strings).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), escape_strings(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `<Say>` holding `text` read as SSML, or `None` when it is not well-formed.
fn ssml(text: &str) -> Option<Element> {
    use quick_xml::events::Event;
    let wrapped = format!("<Say>{text}</Say>");
    let mut reader = quick_xml::Reader::from_str(&wrapped);
    // Each open element with its finished children; an element is attached to its parent
    // when it closes, so text and children keep their order.
    let mut stack: Vec<Element> = Vec::new();
    let mut done = None;
    loop {
        match reader.read_event().ok()? {
            Event::Start(start) => stack.push(open(&start)?),
            Event::Empty(start) => {
                let e = open(&start)?;
                let parent = stack.pop()?;
                stack.push(parent.child(e));
            }
            Event::Text(t) => {
                let parent = stack.pop()?;
                stack.push(parent.text(t.xml10_content().into_owned()));
            }
            Event::GeneralRef(r) => {
                let text = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => quick_xml::escape::unescape(&format!("&{};", &*r))
                        .ok()?
                        .into_owned(),
                };
                let parent = stack.pop()?;
                stack.push(parent.text(text));
            }
            Event::End(_) => {
                let e = stack.pop()?;
                match stack.pop() {
                    Some(parent) => stack.push(parent.child(e)),
                    None => done = Some(e),
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.is_empty() {
        done
    } else {
        None
    }
}

fn open(start: &quick_xml::events::BytesStart<'_>) -> Option<Element> {
    let mut e = Element::new(start.name().as_ref().to_owned());
    for attr in start.attributes() {
        let attr = attr.ok()?;
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .ok()?
            .into_owned();
        e = e.attr(attr.key.as_ref().to_owned(), value);
    }
    Some(e)
}

fn gather(g: &Gather, ctx: &Context, action: String) -> Result<Element, String> {
    let mut e = Element::new("Gather")
        .attr("action", action)
        .attr("actionOnEmptyResult", "true")
        .attr("input", "dtmf speech")
        .attr("method", "POST");
    if let Some(t) = g.timeout {
        e = e.attr("timeout", t);
    }
    // "Stop gathering on keypress?" off: only the timeout or the digit count end it.
    let finish = if g.stop_gather {
        g.finish_on_key.clone()
    } else {
        Some(String::new())
    };
    if let Some(k) = finish {
        e = e.attr("finishOnKey", k);
    }
    if let Some(n) = g.number_of_digits.filter(|&n| n > 0) {
        e = e.attr("numDigits", n);
    }
    if let Some(l) = &g.gather_language {
        e = e.attr("language", l);
    }
    if let Some(h) = &g.hints {
        let h = ctx.render(h)?;
        if !h.is_empty() {
            e = e.attr("hints", h);
        }
    }
    if let Some(p) = g.profanity_filter {
        e = e.attr("profanityFilter", p);
    }
    if let Some(t) = &g.speech_timeout {
        e = e.attr("speechTimeout", t);
    }
    if let Some(m) = &g.speech_model {
        e = e.attr("speechModel", m);
    }
    for child in prompt(&g.prompt, ctx, false)? {
        e = e.child(child);
    }
    Ok(e)
}

fn dial(c: &Connect, ctx: &Context, action: String) -> Result<Element, String> {
    let mut e = Element::new("Dial")
        .attr("action", action)
        .attr("method", "POST");
    if let Some(t) = &c.caller_id {
        let v = ctx.render(t)?;
        if !v.is_empty() {
            e = e.attr("callerId", v);
        }
    }
    if let Some(t) = c.timeout {
        e = e.attr("timeout", t);
    }
    if c.record {
        e = e.attr("record", "record-from-answer");
    }
    if let Some(t) = c.time_limit {
        e = e.attr("timeLimit", t);
    }
    let to = match &c.to {
        Some(t) => ctx.render(t)?,
        None => String::new(),
    };
    let to = to.trim();
    e = match c.noun {
        Noun::Number => e.child(Element::with_text("Number", to)),
        Noun::NumberMulti => to
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .take(10)
            .fold(e, |e, n| e.child(Element::with_text("Number", n))),
        Noun::Client => e.child(Element::with_text("Client", to)),
        Noun::Conference => e.child(Element::with_text("Conference", to)),
        Noun::Sim => e.child(Element::with_text("Sim", to)),
        Noun::Sip => {
            let endpoint = match &c.sip_endpoint {
                Some(t) => ctx.render(t)?,
                None => String::new(),
            };
            if endpoint.trim().is_empty() {
                return Err("connect-call-to rendered an empty `sip_endpoint`".to_owned());
            }
            let mut sip = Element::with_text("Sip", endpoint.trim());
            if let Some(u) = &c.sip_username {
                sip = sip.attr("username", ctx.render(u)?);
            }
            if let Some(p) = &c.sip_password {
                sip = sip.attr("password", ctx.render(p)?);
            }
            e.child(sip)
        }
    };
    // A `<Dial>` with nothing to dial is an error at Twilio's end: the call would end
    // with "an application error" instead of the flow's goodbye.
    let empty = match c.noun {
        Noun::Number | Noun::Client | Noun::Conference | Noun::Sim => to.is_empty(),
        Noun::NumberMulti => to.split(',').all(|n| n.trim().is_empty()),
        // Checked where the endpoint is rendered.
        Noun::Sip => false,
    };
    if empty {
        return Err("connect-call-to rendered an empty `to`".to_owned());
    }
    Ok(e)
}

fn enqueue(
    q: &Enqueue,
    ctx: &Context,
    engine: &Engine<'_>,
    action: String,
) -> Result<Element, String> {
    let mut e = Element::new("Enqueue")
        .attr("action", action)
        .attr("method", "POST");
    if let Some(u) = &q.wait_url {
        let u = ctx.render(u)?;
        if !u.is_empty() {
            e = e.attr("waitUrl", engine.rewrite(&u));
        }
    }
    if let Some(m) = &q.wait_url_method {
        e = e.attr("waitUrlMethod", m);
    }
    match &q.workflow_sid {
        Some(workflow) => {
            let workflow = ctx.render(workflow)?;
            if workflow.trim().is_empty() {
                return Err("the enqueue rendered an empty workflow SID".to_owned());
            }
            e = e.attr("workflowSid", workflow.trim());
            let mut task = Element::with_text(
                "Task",
                match &q.task_attributes {
                    Some(t) => ctx.render(t)?,
                    None => "{}".to_owned(),
                },
            );
            if let Some(p) = &q.priority {
                let p = ctx.render(p)?;
                if !p.is_empty() {
                    task = task.attr("priority", p);
                }
            }
            if let Some(t) = &q.timeout {
                let t = ctx.render(t)?;
                if !t.is_empty() {
                    task = task.attr("timeout", t);
                }
            }
            Ok(e.child(task))
        }
        None => {
            let name = match &q.queue_name {
                Some(t) => ctx.render(t)?,
                None => String::new(),
            };
            // `<Enqueue>` needs a queue name (Twilio answers an application error).
            let name = name.trim();
            if name.is_empty() {
                return Err("enqueue-call rendered an empty `queue_name`".to_owned());
            }
            Ok(e.text(name))
        }
    }
}

/// `<Start><Stream>` / `<Start><Siprec>` / `<Stop><Stream>` of a fork-stream widget.
pub fn fork_stream(f: &ForkStream, ctx: &Context) -> Result<Element, String> {
    let name = match &f.name {
        Some(t) => Some(ctx.render(t)?),
        None => None,
    };
    if !f.start {
        let mut stream = Element::new(if f.siprec { "Siprec" } else { "Stream" });
        if let Some(n) = name {
            stream = stream.attr("name", n);
        }
        return Ok(Element::new("Stop").child(stream));
    }
    let mut inner = if f.siprec {
        let connector = match &f.connector {
            Some(t) => ctx.render(t)?,
            None => String::new(),
        };
        Element::new("Siprec").attr("connectorName", connector)
    } else {
        let url = match &f.url {
            Some(t) => ctx.render(t)?,
            None => String::new(),
        };
        Element::new("Stream").attr("url", url)
    };
    if let Some(n) = name {
        inner = inner.attr("name", n);
    }
    if let Some(t) = &f.track {
        inner = inner.attr("track", t);
    }
    for (k, t) in &f.parameters {
        inner = inner.child(parameter(k, &ctx.render(t)?));
    }
    Ok(Element::new("Start").child(inner))
}

fn parameter(name: &str, value: &str) -> Element {
    Element::new("Parameter")
        .attr("name", name)
        .attr("value", value)
}
