//! The call-state document of a call in a Studio flow: the [`Execution`] the engine
//! computed for a webhook, applied only while the call is still where the engine started
//! from, so that a callback that lost a race to another webhook moves nothing.

use crate::studio::Execution;
use crate::timestamp::Timestamp;
use crate::webhook::CallStatus;

use super::model::{Applied, CallState};

/// What one webhook computed.
#[derive(Debug, Clone, PartialEq)]
pub struct StudioChange {
    /// Where the execution was when the engine read it (`waiting`, `steps`).
    pub from: (Option<String>, u32),
    /// The execution after the webhook: what the document's `studio` is set to.
    pub execution: Execution,
    /// The webhook's `CallStatus`, which the state follows on every voice webhook.
    pub status: Option<CallStatus>,
}

impl CallState {
    /// The state of a Studio call that Twilio has just told us about.
    pub fn for_studio(
        call_sid: &str,
        from: &str,
        to: &str,
        status: CallStatus,
        now: Timestamp,
    ) -> Self {
        let mut state = CallState::new(
            call_sid,
            from,
            to,
            status,
            &crate::flow::Flow::minimal(),
            now,
        );
        state.stage = String::new();
        state.studio = Some(Execution::default());
        state
    }

    /// Applies a webhook's result when the execution is still where it was read; a
    /// redelivery or a lost race is [`Applied::Unchanged`].
    pub fn apply_studio(
        &mut self,
        change: &StudioChange,
        token: Option<&str>,
        now: Timestamp,
    ) -> Applied {
        if self.has_applied(token) {
            return Applied::Unchanged;
        }
        let current = self.studio.get_or_insert_with(Execution::default);
        let (waiting, steps) = current.position();
        if (waiting.map(str::to_owned), steps) != change.from {
            return Applied::Unchanged;
        }
        *current = change.execution.clone();
        // The widget the call is at; inside a subflow, the parent's run-subflow widget
        // (the one a graph of the flow shows).
        let at = current
            .waiting
            .as_deref()
            .or_else(|| current.log.last().map(|e| e.widget.as_str()))
            .unwrap_or_default();
        self.stage = at.split('/').next().unwrap_or_default().to_owned();
        if let Some(status) = &change.status {
            // A voice webhook never rolls a call back from a final status.
            if !self.status.is_final() {
                self.status = status.clone();
            }
        }
        self.remember(token, now);
        Applied::Changed
    }

    /// Ends the Studio execution (a final status callback).
    pub fn end_studio(&mut self, reason: String, now: Timestamp) {
        if let Some(execution) = &mut self.studio {
            if !execution.is_over() {
                execution.end(reason, None, now);
            }
        }
    }
}
