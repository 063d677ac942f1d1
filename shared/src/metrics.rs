//! Per-request counters and the CloudWatch Embedded Metric Format (EMF) record each
//! request prints.
//!
//! [`Function::call`](crate::runtime::Function::call) runs every handler inside
//! [`scope`] with a fresh [`Counters`]; code deep in the library (the Sync client's retry
//! loop, `mutate`, the degraded answers of `store-call-state`) adds to the request's
//! counters with [`add`] without threading them through every signature. Outside a scope
//! (tests, tools) [`add`] does nothing.
//!
//! The record follows the EMF specification
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>):
//! one JSON object per line on stdout, an `_aws` member with `Timestamp` (ms since the
//! epoch) and `CloudWatchMetrics` directives naming the namespace, dimension sets and
//! metrics, and the metric values and properties as top-level members. Lambda's log
//! agent turns such lines into CloudWatch metrics with no API call and no extra latency.
//! A small serde emitter instead of `metrics_cloudwatch_embedded`: that crate aggregates
//! through the process-global `metrics` recorder and flushes per Lambda invocation from
//! its own runtime loop, which fits neither `callflow serve` (many requests at once, one
//! process) nor our per-request record with its CallSid.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};

/// The CloudWatch namespace of every metric.
pub const NAMESPACE: &str = "callflow";

/// What one request counted.
#[derive(Debug, Default)]
pub struct Counters {
    values: [AtomicU32; Counter::ALL.len()],
    call: Mutex<(Option<String>, Option<String>)>,
}

/// The things a request counts, each one EMF metric of unit `Count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    /// HTTP requests sent to Sync, retries included.
    SyncRequests,
    /// Sync requests that were repeats of a failed one.
    SyncRetries,
    /// Sync answers of 429 (rate limited).
    SyncThrottled,
    /// `If-Match` writes that lost to another writer and were re-applied on a fresh read.
    ConflictsReapplied,
    /// Answers made without Sync (Sync down, slow, or the fallback URL).
    DegradedAnswers,
    /// Caller inputs carried forward in degraded TwiML's URLs.
    InputsCarried,
    /// Carried inputs applied to Sync once it answered again.
    InputsReplayed,
    /// Inputs that could be neither stored nor carried (logged one by one).
    InputsLost,
}

impl Counter {
    /// Every counter, in the order of the record.
    pub const ALL: [Counter; 8] = [
        Counter::SyncRequests,
        Counter::SyncRetries,
        Counter::SyncThrottled,
        Counter::ConflictsReapplied,
        Counter::DegradedAnswers,
        Counter::InputsCarried,
        Counter::InputsReplayed,
        Counter::InputsLost,
    ];

    /// The metric's name in CloudWatch.
    pub fn name(self) -> &'static str {
        match self {
            Counter::SyncRequests => "SyncRequests",
            Counter::SyncRetries => "SyncRetries",
            Counter::SyncThrottled => "SyncThrottled",
            Counter::ConflictsReapplied => "ConflictsReapplied",
            Counter::DegradedAnswers => "DegradedAnswers",
            Counter::InputsCarried => "InputsCarried",
            Counter::InputsReplayed => "InputsReplayed",
            Counter::InputsLost => "InputsLost",
        }
    }
}

impl Counters {
    /// The value of `counter` so far.
    pub fn get(&self, counter: Counter) -> u32 {
        self.values[counter as usize].load(Ordering::Relaxed)
    }
}

tokio::task_local! {
    static CURRENT: Arc<Counters>;
}

/// Runs `f` with `counters` as the request's counters.
pub async fn scope<F: Future>(counters: Arc<Counters>, f: F) -> F::Output {
    CURRENT.scope(counters, f).await
}

/// Adds `n` to the current request's `counter` (nothing outside a [`scope`]).
pub fn add(counter: Counter, n: u32) {
    let _ = CURRENT.try_with(|c| c.values[counter as usize].fetch_add(n, Ordering::Relaxed));
}

/// Notes the call and stage a request is about: in its EMF record and in every log line
/// of its span (`call_sid`, `stage` fields of the `request` span).
pub fn note_call(call_sid: &str, stage: Option<&str>) {
    let span = tracing::Span::current();
    span.record("call_sid", call_sid);
    if let Some(stage) = stage {
        span.record("stage", stage);
    }
    let _ = CURRENT.try_with(|c| {
        let mut call = c.call.lock().unwrap_or_else(|e| e.into_inner());
        *call = (Some(call_sid.to_owned()), stage.map(str::to_owned));
    });
}

/// One request, as its EMF record tells it.
#[derive(Debug)]
pub struct Record<'a> {
    /// The function's name (`store-call-state`): the `Function` dimension.
    pub function: &'a str,
    /// The HTTP status answered.
    pub status: u16,
    /// Time from the request to the answer, in milliseconds.
    pub latency_ms: f64,
    /// Lambda's request id, when running in Lambda.
    pub request_id: Option<&'a str>,
    /// What the request counted.
    pub counters: &'a Counters,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
}

impl Record<'_> {
    /// The record as one EMF JSON object. Two directives: every metric by `Function`,
    /// and `Requests` by `Function` and `StatusClass` (`2xx`, `4xx`, `5xx`): the outcome
    /// by status, which the 5xx-rate alarm reads.
    pub fn to_json(&self) -> Value {
        let status_class = format!("{}xx", self.status / 100);
        let mut metrics = vec![json!({"Name": "Latency", "Unit": "Milliseconds"})];
        metrics.extend(
            Counter::ALL
                .iter()
                .map(|c| json!({"Name": c.name(), "Unit": "Count"})),
        );
        let mut root = Map::new();
        root.insert(
            "_aws".into(),
            json!({
                "Timestamp": self.timestamp_ms,
                "CloudWatchMetrics": [
                    {"Namespace": NAMESPACE, "Dimensions": [["Function"]], "Metrics": metrics},
                    {
                        "Namespace": NAMESPACE,
                        "Dimensions": [["Function", "StatusClass"]],
                        "Metrics": [{"Name": "Requests", "Unit": "Count"}],
                    },
                ],
            }),
        );
        root.insert("Function".into(), json!(self.function));
        root.insert("StatusClass".into(), json!(status_class));
        root.insert("Status".into(), json!(self.status));
        root.insert("Latency".into(), json!(self.latency_ms));
        root.insert("Requests".into(), json!(1));
        for counter in Counter::ALL {
            root.insert(counter.name().into(), json!(self.counters.get(counter)));
        }
        if let Some(id) = self.request_id {
            root.insert("requestId".into(), json!(id));
        }
        let call = self
            .counters
            .call
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(call_sid) = call.0 {
            root.insert("CallSid".into(), json!(call_sid));
        }
        if let Some(stage) = call.1 {
            root.insert("stage".into(), json!(stage));
        }
        Value::Object(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_only_inside_a_scope_and_each_request_apart() {
        add(Counter::SyncRequests, 1);
        let first = Arc::new(Counters::default());
        let second = Arc::new(Counters::default());
        scope(first.clone(), async {
            add(Counter::SyncRequests, 2);
            scope(second.clone(), async { add(Counter::SyncThrottled, 1) }).await;
            note_call("CA1", Some("welcome"));
        })
        .await;
        assert_eq!(first.get(Counter::SyncRequests), 2);
        assert_eq!(first.get(Counter::SyncThrottled), 0);
        assert_eq!(second.get(Counter::SyncThrottled), 1);
        let record = Record {
            function: "store-call-state",
            status: 503,
            latency_ms: 1.5,
            request_id: Some("r-1"),
            counters: &first,
            timestamp_ms: 1,
        }
        .to_json();
        assert_eq!(record["StatusClass"], "5xx");
        assert_eq!(record["CallSid"], "CA1");
        assert_eq!(record["SyncRequests"], 2);
    }
}
