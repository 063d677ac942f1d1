//! The call index's ledger: what one process has seen of the calls it indexed, kept
//! bounded so that a dashboard can read the whole picture in a few requests.
//!
//! It owns three things, all in memory and all bounded whatever the call rate:
//! - each known call's last indexed summary (stage, status, retries), so an index item is
//!   written only when one of those changed ([`KNOWN_CAP`] calls at most);
//! - the newest ended calls ([`RECENT_ENDED`]): the index map keeps their items, older ended
//!   items are deleted, so the map holds the active calls plus a bounded recent list;
//! - counts in minute buckets for the last hour (calls started, entries per stage, how calls
//!   ended) and starts per second for the last minute: the aggregates a dashboard shows,
//!   published as one small document ([`Stats`]) rather than derived from every call.
//!
//! The ledger is per process: `callflow serve` is one process, so its ledger sees every
//! call. Lambda instances each see a share, which is one reason the deployed
//! configuration leaves the index off.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::flow::{End, Flow, StageKind};
use crate::timestamp::Timestamp;
use crate::webhook::{CallStatus, DialCallStatus};

use super::model::CallState;

/// Ended calls whose index items are kept; the oldest beyond this are deleted.
pub const RECENT_ENDED: usize = 200;

/// Calls whose last indexed summary is remembered (oldest forgotten first). A forgotten
/// call that changes again is counted as new: far beyond any call's lifetime at 20 new
/// calls a second (over an hour of calls).
pub const KNOWN_CAP: usize = 100_000;

/// Distinct stages counted: a flow has far fewer; the bound keeps the stats document
/// small whatever state names webhooks bring.
pub const MAX_STAGES: usize = 256;

/// The windows counts are kept for, in minutes.
pub const WINDOWS: [u64; 2] = [5, 60];

/// How a call ended, as the dashboard counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallOutcome {
    /// The flow reached its end (a TOML stage that hangs up; a Studio flow that ended
    /// itself).
    Completed,
    /// The caller hung up before the flow's end (in a menu, mostly).
    HungUpInMenu,
    /// The call left a voicemail.
    Voicemail,
    /// The call was dialled through, queued for an agent (a TOML `end` that dials or
    /// enqueues), or connected to an agent or stream.
    Transferred,
    /// The call failed (failed, busy, no-answer, canceled, or the flow could not go on).
    Failed,
}

impl CallOutcome {
    /// Every outcome, in the order a dashboard lists them.
    pub const ALL: [CallOutcome; 5] = [
        CallOutcome::Completed,
        CallOutcome::HungUpInMenu,
        CallOutcome::Voicemail,
        CallOutcome::Transferred,
        CallOutcome::Failed,
    ];

    /// The wire name (`hung-up-in-menu`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Completed => "completed",
            CallOutcome::HungUpInMenu => "hung-up-in-menu",
            CallOutcome::Voicemail => "voicemail",
            CallOutcome::Transferred => "transferred",
            CallOutcome::Failed => "failed",
        }
    }

    /// How a call that reached a final status ended, from its state and the flow.
    pub fn of(state: &CallState, flow: &Flow) -> CallOutcome {
        let studio_error = state
            .studio
            .as_ref()
            .and_then(|s| s.ended.as_ref())
            .is_some_and(|e| e.error_code.is_some());
        if !matches!(state.status, CallStatus::Completed) || state.ended.is_some() || studio_error {
            return CallOutcome::Failed;
        }
        let dialled = state.dial.as_ref().is_some_and(|d| {
            !d.stale
                && matches!(
                    d.status,
                    DialCallStatus::Completed | DialCallStatus::Answered
                )
        });
        if dialled || state.connect.is_some() {
            return CallOutcome::Transferred;
        }
        if state.recording.is_some() {
            return CallOutcome::Voicemail;
        }
        if let Some(studio) = &state.studio {
            // Studio ends an execution itself ("flow ended at …") or when the call does.
            let by_flow = studio
                .ended
                .as_ref()
                .is_some_and(|e| e.reason.starts_with("flow ended"));
            return if by_flow {
                CallOutcome::Completed
            } else {
                CallOutcome::HungUpInMenu
            };
        }
        match flow.stages.get(&state.stage).map(|s| &s.kind) {
            Some(StageKind::End(End::Hangup)) => CallOutcome::Completed,
            // An end that dials, or queues for an agent: the call was handed on.
            Some(StageKind::End(_)) => CallOutcome::Transferred,
            _ => CallOutcome::HungUpInMenu,
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// The aggregates a dashboard shows, as published in document `{index map}-stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// When these counts were taken.
    pub at: Timestamp,
    /// The windows of every `[n, m]` pair below, in minutes ([`WINDOWS`]).
    pub windows: Vec<u64>,
    /// Calls started in the last 60 seconds.
    pub started_last_minute: u64,
    /// Calls started in each window.
    pub started: Vec<u64>,
    /// Per stage (or Studio widget): calls that entered it in each window.
    pub stages: BTreeMap<String, Vec<u64>>,
    /// Per outcome (`completed`, `hung-up-in-menu`, …): calls that ended so in each window.
    pub outcomes: BTreeMap<String, Vec<u64>>,
}

/// What the index must write after a change the ledger has seen.
#[derive(Debug, Default, PartialEq)]
pub struct Change {
    /// The call's summary changed: its item must be written.
    pub write_item: bool,
    /// The call just ended in this way.
    pub ended: Option<CallOutcome>,
    /// An older ended call whose item is to be deleted (the recent list is full).
    pub evict: Option<String>,
}

/// See the module docs.
#[derive(Debug, Default)]
pub struct Ledger {
    known: HashMap<String, Known>,
    order: VecDeque<String>,
    recent: VecDeque<String>,
    minutes: VecDeque<Minute>,
    seconds: VecDeque<(i64, u64)>,
    /// Counts changed since the last [`Ledger::take_stats`].
    dirty: bool,
    /// The second the last stats were taken in (the windows age even with no calls).
    taken_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
struct Known {
    stage: String,
    status: CallStatus,
    retries: u32,
    ended: bool,
}

#[derive(Debug, Default)]
struct Minute {
    minute: i64,
    started: u64,
    entered: HashMap<String, u64>,
    outcomes: [u64; 5],
}

impl Ledger {
    /// Records `state` as written now; `outcome` classifies it if it has just ended.
    pub fn observe(
        &mut self,
        state: &CallState,
        outcome: impl FnOnce() -> CallOutcome,
        now: Timestamp,
    ) -> Change {
        let at = now.as_datetime().unix_timestamp();
        let final_now = state.status.is_final();
        let seen = Known {
            stage: state.stage.clone(),
            status: state.status.clone(),
            retries: state.retries,
            ended: final_now,
        };
        let mut change = Change::default();
        let mut already_ended = false;
        match self.known.get(&state.call_sid).cloned() {
            None => {
                self.remember(&state.call_sid, seen.clone());
                self.count_start(at);
                self.count_entry(&seen.stage, at);
                change.write_item = true;
            }
            Some(before) if before == seen => return change,
            Some(before) => {
                already_ended = before.ended;
                if before.stage != seen.stage {
                    self.count_entry(&seen.stage, at);
                }
                // An ended call stays ended (a late status cannot revive it on screen).
                let ended = before.ended || final_now;
                self.known.insert(
                    state.call_sid.clone(),
                    Known {
                        ended,
                        ..seen.clone()
                    },
                );
                change.write_item = true;
            }
        }
        if final_now && !already_ended {
            let how = outcome();
            self.bucket(at).outcomes[how.slot()] += 1;
            change.ended = Some(how);
            self.recent.push_back(state.call_sid.clone());
            if self.recent.len() > RECENT_ENDED {
                change.evict = self.recent.pop_front();
            }
        }
        self.dirty = true;
        change
    }

    /// The aggregates now, if they changed since the last call (or a second has passed,
    /// since windows age with time alone).
    pub fn take_stats(&mut self, now: Timestamp) -> Option<Stats> {
        let at = now.as_datetime().unix_timestamp();
        if !self.dirty && self.taken_at == Some(at) {
            return None;
        }
        self.dirty = false;
        self.taken_at = Some(at);
        self.expire(at);
        let minute = at.div_euclid(60);
        let in_window = |m: &Minute, w: u64| minute - m.minute < w as i64;
        let per_window = |f: &dyn Fn(&Minute) -> u64| -> Vec<u64> {
            WINDOWS
                .iter()
                .map(|&w| self.minutes.iter().filter(|m| in_window(m, w)).map(f).sum())
                .collect()
        };
        let mut names: Vec<&String> = self.minutes.iter().flat_map(|m| m.entered.keys()).collect();
        names.sort();
        names.dedup();
        let stages = names
            .into_iter()
            .map(|name| {
                let counts = per_window(&|m| m.entered.get(name).copied().unwrap_or(0));
                (name.clone(), counts)
            })
            .collect();
        let outcomes = CallOutcome::ALL
            .iter()
            .map(|o| (o.as_str().to_owned(), per_window(&|m| m.outcomes[o.slot()])))
            .collect();
        Some(Stats {
            at: now,
            windows: WINDOWS.to_vec(),
            started_last_minute: self
                .seconds
                .iter()
                .filter(|(s, _)| at - s < 60)
                .map(|(_, n)| n)
                .sum(),
            started: per_window(&|m| m.started),
            stages,
            outcomes,
        })
    }

    fn remember(&mut self, call_sid: &str, known: Known) {
        self.known.insert(call_sid.to_owned(), known);
        self.order.push_back(call_sid.to_owned());
        while self.known.len() > KNOWN_CAP {
            match self.order.pop_front() {
                Some(oldest) => {
                    self.known.remove(&oldest);
                }
                None => break,
            }
        }
    }

    fn count_start(&mut self, at: i64) {
        self.bucket(at).started += 1;
        match self.seconds.back_mut() {
            Some((second, n)) if *second == at => *n += 1,
            _ => self.seconds.push_back((at, 1)),
        }
        while self.seconds.len() > 60 {
            self.seconds.pop_front();
        }
    }

    fn count_entry(&mut self, stage: &str, at: i64) {
        let bucket = self.bucket(at);
        if let Some(n) = bucket.entered.get_mut(stage) {
            *n += 1;
        } else if bucket.entered.len() < MAX_STAGES {
            bucket.entered.insert(stage.to_owned(), 1);
        }
    }

    /// The bucket of `at`'s minute (a clock that stepped back counts in the newest).
    fn bucket(&mut self, at: i64) -> &mut Minute {
        let minute = at.div_euclid(60);
        if self.minutes.back().is_none_or(|m| m.minute < minute) {
            self.minutes.push_back(Minute {
                minute,
                ..Minute::default()
            });
            self.expire(at);
        }
        let newest = self.minutes.len() - 1;
        &mut self.minutes[newest]
    }

    /// Drops buckets older than the longest window.
    fn expire(&mut self, at: i64) {
        let minute = at.div_euclid(60);
        let longest = WINDOWS[WINDOWS.len() - 1] as i64;
        while self
            .minutes
            .front()
            .is_some_and(|m| minute - m.minute >= longest)
        {
            self.minutes.pop_front();
        }
        while self.seconds.front().is_some_and(|(s, _)| at - s >= 60) {
            self.seconds.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from(
            time::OffsetDateTime::from_unix_timestamp(1_800_000_000 + secs).expect("time"),
        )
    }

    fn call(n: u32, stage: &str, status: CallStatus) -> CallState {
        let flow = Flow::example();
        let mut state = CallState::new(
            &format!("CA{n:032x}"),
            "+15005550006",
            "+15005550001",
            CallStatus::Ringing,
            &flow,
            at(0),
        );
        state.stage = stage.to_owned();
        state.status = status;
        state
    }

    #[test]
    fn counts_age_out_of_their_windows_and_an_ended_call_counts_once() {
        let flow = Flow::example();
        let mut ledger = Ledger::default();
        let outcome = |s: &CallState| CallOutcome::of(s, &flow);
        let ringing = call(1, "welcome", CallStatus::Ringing);
        assert!(
            ledger
                .observe(&ringing, || outcome(&ringing), at(0))
                .write_item
        );
        // The same summary again: nothing to write.
        assert_eq!(
            ledger.observe(&ringing, || outcome(&ringing), at(1)),
            Change::default()
        );
        let ended = call(1, "outage", CallStatus::Completed);
        let change = ledger.observe(&ended, || outcome(&ended), at(2));
        assert_eq!(change.ended, Some(CallOutcome::Completed));
        // A late duplicate of the final status is not a second ending.
        let mut later = ended.clone();
        later.retries = 1;
        assert_eq!(
            ledger.observe(&later, || outcome(&later), at(3)).ended,
            None
        );

        let stats = ledger.take_stats(at(3)).expect("changed");
        assert_eq!(stats.started, vec![1, 1]);
        assert_eq!(stats.started_last_minute, 1);
        assert_eq!(stats.stages["outage"], vec![1, 1]);
        assert_eq!(stats.outcomes["completed"], vec![1, 1]);
        assert!(
            ledger.take_stats(at(3)).is_none(),
            "nothing new this second"
        );
        // Six minutes on: out of the 5-minute window, still in the hour.
        let stats = ledger.take_stats(at(6 * 60 + 3)).expect("a new second");
        assert_eq!(stats.started, vec![0, 1]);
        assert_eq!(stats.started_last_minute, 0);
        assert_eq!(stats.outcomes["completed"], vec![0, 1]);
        // An hour on: gone.
        let stats = ledger.take_stats(at(61 * 60)).expect("a new second");
        assert_eq!(stats.started, vec![0, 0]);
        assert!(stats.stages.is_empty());
    }

    #[test]
    fn the_recent_list_keeps_the_newest_ended_calls() {
        let flow = Flow::example();
        let mut ledger = Ledger::default();
        let mut evicted = Vec::new();
        for n in 0..(RECENT_ENDED as u32 + 3) {
            let state = call(n, "welcome", CallStatus::Busy);
            let change = ledger.observe(&state, || CallOutcome::of(&state, &flow), at(n.into()));
            assert_eq!(change.ended, Some(CallOutcome::Failed));
            evicted.extend(change.evict);
        }
        let oldest: Vec<String> = (0..3).map(|n| format!("CA{n:032x}")).collect();
        assert_eq!(evicted, oldest);
    }

    #[test]
    fn outcomes_follow_where_the_call_ended() {
        let flow = Flow::example();
        let of = |stage: &str, status: CallStatus| CallOutcome::of(&call(1, stage, status), &flow);
        assert_eq!(of("outage", CallStatus::Completed), CallOutcome::Completed);
        assert_eq!(
            of("welcome", CallStatus::Completed),
            CallOutcome::HungUpInMenu
        );
        assert_eq!(of("agent", CallStatus::Completed), CallOutcome::Transferred);
        assert_eq!(of("welcome", CallStatus::NoAnswer), CallOutcome::Failed);
    }
}
