//! The usage ledger: every use and hold, behind one trait with two
//! backends (SQLite embedded, PostgreSQL shared by replicas).
//!
//! The service never reads counters and writes a hold in two steps: the
//! ledger runs one [`HoldStep`] as a single serialisable transaction per
//! customer and per employee (docs/service.md).

mod postgres;
mod sql;
mod sqlite;

pub use postgres::PostgresLedger;
pub use sqlite::{SqliteLedger, Synchronous};

use async_trait::async_trait;
use remit_table::{CounterPer, Measure};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// Milliseconds since 1970-01-01 UTC, by the service's clock.
pub type Millis = i64;

/// Why the ledger could not answer.
#[derive(Debug, Clone)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

/// Who a set of counters is read for: one policy, one customer, one
/// employee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The policy name (uses of one policy never count for another).
    pub policy: String,
    /// The customer the use is for.
    pub customer_id: String,
    /// The employee acting.
    pub employee_id: String,
}

/// One counter to compute, with its window resolved against the clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterQuery {
    /// The counter id (the key of `usage`).
    pub id: String,
    /// Customer or employee.
    pub per: CounterPer,
    /// For a customer counter: only this employee's uses for the customer
    /// (`per employee per customer`).
    pub employee_too: bool,
    /// The actions counted together.
    pub actions: Vec<String>,
    /// Count or sum.
    pub measure: Measure,
    /// Uses count when they are strictly younger than this instant
    /// (`created_at > after`); `None` counts all (an all-time window).
    /// A sliding window of `w` minutes at `now` is `now - w`; a calendar
    /// window is the period's start minus one millisecond.
    pub after: Option<Millis>,
    /// Key attributes the use must have recorded with these values
    /// (`context.incident = noise` for a counter per customer and
    /// incident). Empty for format-1 counters.
    pub keys: Vec<(String, String)>,
}

/// The counters one decision reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CounterPlan {
    /// Every counter the table lists, resolved at one instant.
    pub counters: Vec<CounterQuery>,
}

impl CounterPlan {
    /// The counters of one subject kind.
    pub fn of(&self, per: CounterPer) -> impl Iterator<Item = &CounterQuery> {
        self.counters.iter().filter(move |c| c.per == per)
    }
}

/// Counter id → value: the `usage` of a table request.
pub type Counts = BTreeMap<String, i64>;

/// Held until `expires_at`, or committed at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UseState {
    /// Counts until it expires; waits for commit or release.
    Held,
    /// A use: counts for its windows.
    Committed,
    /// Dropped: counts no more.
    Released,
}

impl UseState {
    /// The state as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            UseState::Held => "held",
            UseState::Committed => "committed",
            UseState::Released => "released",
        }
    }

    fn parse(s: &str) -> Result<UseState, StoreError> {
        match s {
            "held" => Ok(UseState::Held),
            "committed" => Ok(UseState::Committed),
            "released" => Ok(UseState::Released),
            other => Err(StoreError(format!(
                "the ledger holds a use in the unknown state `{other}`"
            ))),
        }
    }
}

/// A use or hold as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseRecord {
    /// The use id (a UUID).
    pub id: String,
    /// Who it counts for.
    pub scope: Scope,
    /// The action.
    pub action: String,
    /// The action's money parameter (minor units), 0 when it has none.
    pub amount: i64,
    /// Key attributes recorded for keyed counters (a JSON object).
    pub keys: Value,
    /// Held, committed or released.
    pub state: UseState,
    /// When it counts from.
    pub created_at: Millis,
    /// When a hold stops counting (`None` once committed).
    pub expires_at: Option<Millis>,
    /// The service request that made it (re-decided when an expired hold
    /// is committed).
    pub request: Value,
}

impl UseRecord {
    /// Whether it counts at `now`.
    pub fn is_live(&self, now: Millis) -> bool {
        match self.state {
            UseState::Committed => true,
            UseState::Held => self.expires_at.is_some_and(|e| e > now),
            UseState::Released => false,
        }
    }
}

/// What the decision inside a transaction produced.
#[derive(Debug, Clone)]
pub struct Decided {
    /// The answer to send (and to store under the idempotency key).
    pub response: Value,
    /// The use to record, when the decision permits.
    pub record: Option<UseRecord>,
}

/// The decision, run inside the transaction on the counters it read.
pub type DecideFn = Box<dyn FnOnce(&Counts) -> Decided + Send>;

/// Decide and, if permitted, hold: one atomic step.
pub struct HoldStep {
    /// Who it is for.
    pub scope: Scope,
    /// The counters to read.
    pub plan: CounterPlan,
    /// The service's clock.
    pub now: Millis,
    /// `(key, hash of the body)` when the caller sent an idempotency key.
    pub idempotency: Option<(String, String)>,
    /// The decision.
    pub decide: DecideFn,
}

/// How a hold step ended.
#[derive(Debug, Clone)]
pub enum HoldOutcome {
    /// Decided now; `response` is the answer.
    Decided(Value),
    /// The idempotency key was seen with the same body: its first answer.
    Replayed(Value),
    /// The idempotency key was seen with another body.
    KeyConflict,
}

/// Re-decides an expired hold at commit time.
pub trait Redecide: Send + Sync {
    /// The counters to read for the hold's policy at `now` (none when the
    /// policy is no longer served; `decide` then denies).
    fn plan(&self, record: &UseRecord, now: Millis) -> CounterPlan;
    /// Decides the hold's request again on `counts`; a permit carries the
    /// record to commit.
    fn decide(&self, record: &UseRecord, amount: i64, counts: &Counts) -> Decided;
}

/// Commit a hold, optionally with a smaller final amount.
pub struct CommitStep {
    /// The use id.
    pub id: String,
    /// The final amount, when smaller than the held one.
    pub amount: Option<i64>,
    /// The service's clock.
    pub now: Millis,
    /// Used only when the hold has expired.
    pub redecide: std::sync::Arc<dyn Redecide>,
}

/// How a commit ended.
#[derive(Debug, Clone)]
pub enum CommitOutcome {
    /// No such use.
    NotFound,
    /// Committed now.
    Committed(UseRecord),
    /// Committed before, with the same amount (a repeat: nothing written).
    AlreadyCommitted(UseRecord),
    /// Committed before with another amount.
    AmountConflict(UseRecord),
    /// The final amount is above the held one.
    AmountTooLarge(UseRecord),
    /// Released before: it can no longer be committed.
    Released(UseRecord),
    /// The hold had expired and re-deciding it did not permit.
    ExpiredDenied(UseRecord, Value),
    /// The hold had expired and was re-decided: permitted and committed.
    ExpiredRecommitted(UseRecord, Value),
}

/// How a release ended.
#[derive(Debug, Clone)]
pub enum ReleaseOutcome {
    /// No such use.
    NotFound,
    /// Released now.
    Released(UseRecord),
    /// Released before (a repeat: nothing written).
    AlreadyReleased(UseRecord),
    /// Committed: a use cannot be released.
    Committed(UseRecord),
}

/// What came of a use (`POST /v1/outcomes`), as the ledger stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeRecord {
    /// The use.
    pub use_id: String,
    /// The outcome, as the table declares it.
    pub outcome: String,
    /// Whether it was achieved.
    pub achieved: bool,
    /// The use's policy.
    pub policy: String,
    /// The digest of the table it was checked against.
    pub digest: String,
    /// The client that recorded it.
    pub client: String,
    /// When it was recorded.
    pub recorded_at: Millis,
}

/// How recording an outcome ended. One record per use and outcome: the
/// first one stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeWrite {
    /// Recorded now.
    Recorded(OutcomeRecord),
    /// Recorded before with the same `achieved` (a repeat): the stored one.
    Repeated(OutcomeRecord),
    /// Recorded before with the other `achieved`: the stored one.
    Conflict(OutcomeRecord),
}

impl OutcomeWrite {
    /// After an insert that did nothing, what the stored record means for
    /// the one asked.
    pub(crate) fn of_existing(asked: &OutcomeRecord, stored: OutcomeRecord) -> OutcomeWrite {
        if stored.achieved == asked.achieved {
            OutcomeWrite::Repeated(stored)
        } else {
            OutcomeWrite::Conflict(stored)
        }
    }
}

/// The usage ledger.
#[async_trait]
pub trait Ledger: Send + Sync {
    /// `sqlite` or `postgres`.
    fn kind(&self) -> &'static str;
    /// Where it is, without credentials (for `/v1/status`).
    fn location(&self) -> String;
    /// Whether the store answers.
    async fn ping(&self) -> Result<(), StoreError>;
    /// The counters of `plan` for `scope` at `now` (read only).
    async fn counts(
        &self,
        scope: &Scope,
        plan: &CounterPlan,
        now: Millis,
    ) -> Result<Counts, StoreError>;
    /// Decides and holds in one serialisable step.
    async fn hold(&self, step: HoldStep) -> Result<HoldOutcome, StoreError>;
    /// Commits a hold (idempotent).
    async fn commit(&self, step: CommitStep) -> Result<CommitOutcome, StoreError>;
    /// Releases a hold (idempotent).
    async fn release(&self, id: &str, now: Millis) -> Result<ReleaseOutcome, StoreError>;
    /// A use by id.
    async fn get(&self, id: &str) -> Result<Option<UseRecord>, StoreError>;
    /// Records an outcome of a use, once per use and outcome.
    async fn record_outcome(&self, outcome: OutcomeRecord) -> Result<OutcomeWrite, StoreError>;
    /// How many holds are live at `now`.
    async fn live_holds(&self, now: Millis) -> Result<i64, StoreError>;
    /// Forgets at most `limit` idempotency keys first seen at or before
    /// `before`, oldest first, in one short transaction; answers how many
    /// it forgot (see [`crate::prune`]).
    async fn prune_idempotency(&self, before: Millis, limit: i64) -> Result<u64, StoreError>;
}

/// Opens the ledger a `--store` value names, creating or migrating its
/// schema. `sqlite:PATH` (or a bare path), optionally ending in
/// `?synchronous=normal` (the default) or `?synchronous=full`, or
/// `postgres://…`.
pub async fn open(store: &str) -> Result<std::sync::Arc<dyn Ledger>, StoreError> {
    if store.starts_with("postgres://") || store.starts_with("postgresql://") {
        Ok(std::sync::Arc::new(PostgresLedger::connect(store).await?))
    } else {
        let (path, synchronous) = sqlite_store(store)?;
        Ok(std::sync::Arc::new(SqliteLedger::open(path, synchronous)?))
    }
}

/// The path and durability of a `sqlite:` store.
fn sqlite_store(store: &str) -> Result<(&str, Synchronous), StoreError> {
    let rest = store.strip_prefix("sqlite:").unwrap_or(store);
    let (path, synchronous) = match rest.rsplit_once('?') {
        None => (rest, Synchronous::Normal),
        Some((path, "synchronous=full")) => (path, Synchronous::Full),
        Some((path, "synchronous=normal")) => (path, Synchronous::Normal),
        Some((_, option)) => {
            return Err(StoreError(format!(
                "unknown option `{option}` in `--store {store}`\n  help: a SQLite store takes only `?synchronous=normal` (the default: durable against a crash of the service; a power loss can lose about the last second) or `?synchronous=full` (each commit is fsynced before it is acknowledged)"
            )))
        }
    };
    if path.is_empty() {
        return Err(StoreError(
            "`--store sqlite:` needs a path, e.g. `sqlite:remit-usage.db`".into(),
        ));
    }
    Ok((path, synchronous))
}

/// The outcome of committing a live or expired hold, shared by the
/// backends: what to write, and what to answer.
pub(crate) enum CommitPlan {
    /// Answer without writing.
    Answer(CommitOutcome),
    /// Write `record` as committed, then answer `Committed(record)`.
    Write(UseRecord),
    /// The hold expired: lock, read counters and re-decide.
    Redecide(UseRecord, i64),
}

/// Decides what a commit does to `record`, before any re-decision.
pub(crate) fn plan_commit(record: UseRecord, amount: Option<i64>, now: Millis) -> CommitPlan {
    match record.state {
        UseState::Released => CommitPlan::Answer(CommitOutcome::Released(record)),
        UseState::Committed => {
            if amount.is_none_or(|a| a == record.amount) {
                CommitPlan::Answer(CommitOutcome::AlreadyCommitted(record))
            } else {
                CommitPlan::Answer(CommitOutcome::AmountConflict(record))
            }
        }
        UseState::Held => {
            let final_amount = amount.unwrap_or(record.amount);
            if final_amount > record.amount {
                return CommitPlan::Answer(CommitOutcome::AmountTooLarge(record));
            }
            if record.is_live(now) {
                let mut committed = record;
                committed.state = UseState::Committed;
                committed.expires_at = None;
                committed.amount = final_amount;
                CommitPlan::Write(committed)
            } else {
                CommitPlan::Redecide(record, final_amount)
            }
        }
    }
}

/// After re-deciding an expired hold: the record to write (if any) and the
/// answer.
pub(crate) fn finish_redecide(
    record: UseRecord,
    decided: Decided,
    now: Millis,
) -> (Option<UseRecord>, CommitOutcome) {
    match decided.record {
        Some(mut new) => {
            new.id = record.id;
            new.state = UseState::Committed;
            new.created_at = now;
            new.expires_at = None;
            (
                Some(new.clone()),
                CommitOutcome::ExpiredRecommitted(new, decided.response),
            )
        }
        None => (None, CommitOutcome::ExpiredDenied(record, decided.response)),
    }
}

/// A 64-bit lock key for a subject: the first 8 bytes of SHA-256 over
/// `policy`, the subject kind and id. Two subjects sharing a key only
/// serialise more than needed; they never break atomicity.
pub(crate) fn lock_key(policy: &str, per: &str, id: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [policy, per, id] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    i64::from_le_bytes(b)
}

/// The advisory locks one scope needs, in the fixed order every
/// transaction takes them (ascending, without duplicates), so two
/// transactions never wait on each other in a cycle.
pub(crate) fn lock_keys(scope: &Scope) -> Vec<i64> {
    let mut keys = vec![
        lock_key(&scope.policy, "customer", &scope.customer_id),
        lock_key(&scope.policy, "employee", &scope.employee_id),
    ];
    keys.sort_unstable();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_stores_name_a_path_and_their_durability() {
        assert_eq!(
            sqlite_store("sqlite:a.db").unwrap(),
            ("a.db", Synchronous::Normal)
        );
        assert_eq!(sqlite_store("a.db").unwrap(), ("a.db", Synchronous::Normal));
        assert_eq!(
            sqlite_store("sqlite:/x/a.db?synchronous=normal").unwrap(),
            ("/x/a.db", Synchronous::Normal)
        );
        assert_eq!(
            sqlite_store("sqlite:a.db?synchronous=full").unwrap(),
            ("a.db", Synchronous::Full)
        );
        let e = sqlite_store("sqlite:a.db?sync=off").unwrap_err().0;
        assert!(
            e.starts_with("unknown option `sync=off` in `--store sqlite:a.db?sync=off`"),
            "{e}"
        );
        assert!(e.contains("help: "), "{e}");
        assert!(sqlite_store("sqlite:").is_err());
        assert!(sqlite_store("sqlite:?synchronous=normal").is_err());
    }

    fn scope(c: &str, e: &str) -> Scope {
        Scope {
            policy: "p".into(),
            customer_id: c.into(),
            employee_id: e.into(),
        }
    }

    #[test]
    fn lock_keys_are_sorted_and_distinguish_subject_kinds() {
        let keys = lock_keys(&scope("x", "x"));
        assert_eq!(
            keys.len(),
            2,
            "customer x and employee x are different subjects"
        );
        assert!(keys[0] < keys[1]);
        assert_ne!(lock_keys(&scope("a", "e")), lock_keys(&scope("b", "e")));
    }

    fn held(amount: i64, expires_at: i64) -> UseRecord {
        UseRecord {
            id: "u".into(),
            scope: scope("c", "e"),
            action: "refund".into(),
            amount,
            keys: Value::Object(Default::default()),
            state: UseState::Held,
            created_at: 0,
            expires_at: Some(expires_at),
            request: Value::Null,
        }
    }

    #[test]
    fn commit_plans_follow_the_hold_state() {
        assert!(matches!(
            plan_commit(held(100, 50), Some(60), 10),
            CommitPlan::Write(r) if r.amount == 60 && r.state == UseState::Committed
        ));
        assert!(matches!(
            plan_commit(held(100, 50), Some(160), 10),
            CommitPlan::Answer(CommitOutcome::AmountTooLarge(_))
        ));
        assert!(matches!(
            plan_commit(held(100, 50), None, 50),
            CommitPlan::Redecide(_, 100)
        ));
        let mut committed = held(100, 50);
        committed.state = UseState::Committed;
        assert!(matches!(
            plan_commit(committed.clone(), None, 99),
            CommitPlan::Answer(CommitOutcome::AlreadyCommitted(_))
        ));
        assert!(matches!(
            plan_commit(committed, Some(5), 99),
            CommitPlan::Answer(CommitOutcome::AmountConflict(_))
        ));
    }
}
