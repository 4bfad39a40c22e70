//! The embedded ledger: SQLite in WAL mode, one connection owned by one
//! writer thread, a few reader connections, and a checkpointer.
//!
//! Every operation that writes, or that must see the latest write (a
//! decide-and-hold reads its counters in the same transaction), is a job
//! on the writer thread. The thread takes the jobs waiting in its queue as
//! one batch: one `BEGIN IMMEDIATE` transaction, each job in its own
//! savepoint (a failing job rolls back alone), one `COMMIT`, and only then
//! are the answers sent. Jobs run strictly one after another, so every
//! decide-and-hold is serialisable; batching only shares the commit (and,
//! with `?synchronous=full`, its fsync).
//!
//! Reads that record nothing (`POST /v1/decide`, `GET /v1/usage`, the
//! status) run on reader connections, each in one read transaction (a
//! snapshot of the last commit), so they never wait behind a batch's
//! fsync. The writer does not checkpoint (`wal_autocheckpoint = 0`): a
//! checkpointer thread copies the WAL back into the database every second
//! with `wal_checkpoint(PASSIVE)`, which never blocks the writer, so no
//! request pays for a checkpoint.

use super::sql::{self, Dialect, Param};
use super::{
    finish_redecide, plan_commit, CommitOutcome, CommitPlan, CommitStep, CounterPlan, Counts,
    HoldOutcome, HoldStep, Ledger, Millis, OutcomeRecord, OutcomeWrite, ReleaseOutcome, Scope,
    StoreError, UseRecord, UseState,
};
use async_trait::async_trait;
use remit_table::CounterPer;
use rusqlite::{Connection, OptionalExtension};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, Semaphore};

/// Sends a job's answer once the batch's commit is known.
type Reply = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// A job: runs on the connection (or learns the transaction could not
/// begin), says whether it succeeded, and returns its reply.
type Job = Box<dyn FnOnce(Result<&Connection, StoreError>) -> (bool, Reply) + Send>;

/// The most jobs one transaction takes.
const MAX_BATCH: usize = 128;
/// The most reads running at once (each on its own connection).
const READERS: usize = 4;
/// How often the checkpointer copies the WAL into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// When a commit is on disk (`PRAGMA synchronous`, docs/service.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// The default. Commits reach the operating system before they are
    /// acknowledged and are fsynced at each checkpoint (every second):
    /// they survive a crash of the process (`kill -9`), which is what
    /// SERVICE.md promises; a power loss or a crash of the machine can
    /// lose about the last second of them.
    Normal,
    /// Each commit is fsynced before it is acknowledged: it survives a
    /// power loss too, at the price of one fsync per batch.
    Full,
}

impl Synchronous {
    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

/// The SQLite ledger.
pub struct SqliteLedger {
    path: String,
    synchronous: Synchronous,
    jobs: mpsc::Sender<Job>,
    readers: Arc<Readers>,
    /// Dropped with the ledger: the checkpointer then stops.
    _checkpointer: std::sync::mpsc::Sender<()>,
}

fn store_err(e: rusqlite::Error) -> StoreError {
    StoreError(format!("sqlite: {e}"))
}

/// Opens a connection to `path` with the settings every connection has.
fn connect(path: &str, synchronous: Synchronous) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)
        .map_err(|e| StoreError(format!("cannot open the SQLite ledger `{path}`: {e}")))?;
    conn.execute_batch(&format!(
        "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = {};",
        synchronous.pragma()
    ))
    .map_err(store_err)?;
    Ok(conn)
}

/// Idle reader connections, and a bound on the reads running at once.
struct Readers {
    path: String,
    synchronous: Synchronous,
    idle: Mutex<Vec<Connection>>,
    running: Semaphore,
}

impl Readers {
    /// Runs `f` in one read transaction on an idle connection (or a new
    /// one), then keeps the connection for the next read.
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match idle {
            Some(c) => c,
            None => {
                let c = connect(&self.path, self.synchronous)?;
                c.execute_batch("PRAGMA query_only = ON")
                    .map_err(store_err)?;
                c
            }
        };
        conn.execute_batch("BEGIN").map_err(store_err)?;
        let result = f(&conn);
        // A read transaction has nothing to keep: ending it cannot lose
        // anything, and a connection that cannot end it is dropped.
        if conn.execute_batch("COMMIT").is_ok() {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < READERS {
                idle.push(conn);
            }
        }
        result
    }
}

impl SqliteLedger {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &str, synchronous: Synchronous) -> Result<SqliteLedger, StoreError> {
        let conn = connect(path, synchronous)?;
        // A WAL that grew under a burst shrinks back to 64 MiB once
        // checkpointed; the writer keeps up to 64 MiB of pages in memory
        // (SQLite's default is 2 MiB), so the index pages a decision
        // reads and writes are rarely read back from the file.
        conn.execute_batch(
            "PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864; PRAGMA cache_size = -65536;",
        )
        .map_err(store_err)?;
        migrate(&conn)?;
        let (jobs, mut queue) = mpsc::channel::<Job>(4096);
        std::thread::Builder::new()
            .name("remit-ledger".into())
            .spawn(move || {
                while let Some(first) = queue.blocking_recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match queue.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    run_batch(&conn, batch);
                }
            })
            .map_err(|e| StoreError(format!("cannot start the ledger thread: {e}")))?;
        let checkpointer = connect(path, synchronous)?;
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("remit-checkpoint".into())
            .spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(CHECKPOINT_EVERY)
                {
                    // A checkpoint that cannot finish now (a reader holds
                    // an old snapshot) finishes at a later pass; one that
                    // fails leaves the WAL to grow until one succeeds.
                    if let Err(e) = checkpointer.execute_batch("PRAGMA wal_checkpoint(PASSIVE)") {
                        eprintln!("warning: cannot checkpoint the SQLite ledger: {e}");
                    }
                }
            })
            .map_err(|e| StoreError(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(SqliteLedger {
            path: path.to_string(),
            synchronous,
            jobs,
            readers: Arc::new(Readers {
                path: path.to_string(),
                synchronous,
                idle: Mutex::new(Vec::new()),
                running: Semaphore::new(READERS),
            }),
            _checkpointer: stop,
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = conn.and_then(f);
            let ok = result.is_ok();
            let reply: Reply = Box::new(move |commit| {
                // The receiver is gone only when the request was dropped.
                let _ = tx.send(commit.and(result));
            });
            (ok, reply)
        });
        self.jobs
            .send(job)
            .await
            .map_err(|_| StoreError("the ledger thread has stopped".into()))?;
        rx.await
            .map_err(|_| StoreError("the ledger thread dropped a job".into()))?
    }

    /// Runs `f` on a reader connection, at most [`READERS`] at once.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let readers = self.readers.clone();
        let _permit = readers
            .running
            .acquire()
            .await
            .map_err(|_| StoreError("the ledger's readers are closed".into()))?;
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || readers.read(f))
            .await
            .map_err(|e| StoreError(format!("a ledger read failed: {e}")))?
    }
}

fn run_batch(conn: &Connection, batch: Vec<Job>) {
    let begin = conn.execute_batch("BEGIN IMMEDIATE").map_err(store_err);
    let mut replies = Vec::with_capacity(batch.len());
    for job in batch {
        let (_, reply) = match &begin {
            Err(e) => job(Err(e.clone())),
            Ok(()) => match conn.execute_batch("SAVEPOINT job") {
                Err(e) => job(Err(store_err(e))),
                Ok(()) => {
                    let (ok, reply) = job(Ok(conn));
                    let end = if ok {
                        "RELEASE job"
                    } else {
                        "ROLLBACK TO job; RELEASE job"
                    };
                    match conn.execute_batch(end) {
                        Ok(()) => (ok, reply),
                        Err(e) => {
                            let e = store_err(e);
                            let failed: Reply = Box::new(move |_| reply(Err(e)));
                            (false, failed)
                        }
                    }
                }
            },
        };
        replies.push(reply);
    }
    let commit = match begin {
        Err(e) => Err(e),
        Ok(()) => conn.execute_batch("COMMIT").map_err(|e| {
            let _ = conn.execute_batch("ROLLBACK");
            store_err(e)
        }),
    };
    for reply in replies {
        reply(commit.clone());
    }
}

fn migrate(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS remit_schema (version INTEGER NOT NULL)")
        .map_err(store_err)?;
    let current: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM remit_schema",
            [],
            |r| r.get(0),
        )
        .map_err(store_err)?;
    for (i, migration) in sql::MIGRATIONS.iter().enumerate() {
        let version = i as i64 + 1;
        if version <= current {
            continue;
        }
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {migration}; INSERT INTO remit_schema (version) VALUES ({version}); COMMIT;"
        ))
        .map_err(|e| {
            let _ = conn.execute_batch("ROLLBACK");
            StoreError(format!("cannot migrate the SQLite ledger to version {version}: {e}"))
        })?;
    }
    Ok(())
}

fn bind(params: &[Param]) -> impl Iterator<Item = rusqlite::types::Value> + '_ {
    params.iter().map(|p| match p {
        Param::Text(s) => rusqlite::types::Value::Text(s.clone()),
        Param::Int(i) => rusqlite::types::Value::Integer(*i),
    })
}

fn counts_tx(
    conn: &Connection,
    scope: &Scope,
    plan: &CounterPlan,
    now: Millis,
) -> Result<Counts, StoreError> {
    let mut counts = Counts::new();
    for per in [CounterPer::Customer, CounterPer::Employee] {
        let counters: Vec<_> = plan.of(per).collect();
        let Some(q) = sql::counter_query(Dialect::Sqlite, scope, per, &counters, now) else {
            continue;
        };
        let mut stmt = conn.prepare_cached(&q.sql).map_err(store_err)?;
        let values: Vec<i64> = stmt
            .query_row(rusqlite::params_from_iter(bind(&q.params)), |row| {
                (0..counters.len()).map(|i| row.get(i)).collect()
            })
            .map_err(store_err)?;
        for (c, v) in counters.iter().zip(values) {
            counts.insert(c.id.clone(), v);
        }
    }
    Ok(counts)
}

fn read_use(row: &rusqlite::Row<'_>) -> rusqlite::Result<(UseRecord, String)> {
    let keys: String = row.get(6)?;
    let request: String = row.get(10)?;
    let state: String = row.get(7)?;
    Ok((
        UseRecord {
            id: row.get(0)?,
            scope: Scope {
                policy: row.get(1)?,
                customer_id: row.get(2)?,
                employee_id: row.get(3)?,
            },
            action: row.get(4)?,
            amount: row.get(5)?,
            keys: serde_json::from_str(&keys).unwrap_or_default(),
            state: UseState::Held,
            created_at: row.get(8)?,
            expires_at: row.get(9)?,
            request: serde_json::from_str(&request).unwrap_or_default(),
        },
        state,
    ))
}

fn get_tx(conn: &Connection, id: &str) -> Result<Option<UseRecord>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {} FROM uses WHERE id = ?1",
            sql::USE_COLUMNS
        ))
        .map_err(store_err)?;
    let found = stmt
        .query_row([id], read_use)
        .optional()
        .map_err(store_err)?;
    match found {
        None => Ok(None),
        Some((mut record, state)) => {
            record.state = UseState::parse(&state)?;
            Ok(Some(record))
        }
    }
}

fn insert_tx(conn: &Connection, r: &UseRecord, now: Millis) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "INSERT INTO uses ({}, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            sql::USE_COLUMNS
        ))
        .map_err(store_err)?;
    stmt.execute(rusqlite::params![
        r.id,
        r.scope.policy,
        r.scope.customer_id,
        r.scope.employee_id,
        r.action,
        r.amount,
        r.keys.to_string(),
        r.state.as_str(),
        r.created_at,
        r.expires_at,
        r.request.to_string(),
        now
    ])
    .map_err(store_err)?;
    Ok(())
}

fn update_tx(conn: &Connection, r: &UseRecord, now: Millis) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "UPDATE uses SET amount = ?1, state = ?2, created_at = ?3, expires_at = ?4, updated_at = ?5 WHERE id = ?6",
        )
        .map_err(store_err)?;
    stmt.execute(rusqlite::params![
        r.amount,
        r.state.as_str(),
        r.created_at,
        r.expires_at,
        now,
        r.id
    ])
    .map_err(store_err)?;
    Ok(())
}

fn hold_tx(conn: &Connection, step: HoldStep) -> Result<HoldOutcome, StoreError> {
    if let Some((key, hash)) = &step.idempotency {
        let mut stmt = conn
            .prepare_cached("SELECT body_hash, response FROM idempotency WHERE key = ?1")
            .map_err(store_err)?;
        let seen: Option<(String, String)> = stmt
            .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(store_err)?;
        if let Some((seen_hash, response)) = seen {
            return Ok(if &seen_hash == hash {
                HoldOutcome::Replayed(serde_json::from_str(&response).unwrap_or_default())
            } else {
                HoldOutcome::KeyConflict
            });
        }
    }
    let counts = counts_tx(conn, &step.scope, &step.plan, step.now)?;
    let decided = (step.decide)(&counts);
    if let Some(record) = &decided.record {
        insert_tx(conn, record, step.now)?;
    }
    if let Some((key, hash)) = &step.idempotency {
        conn.prepare_cached(
            "INSERT INTO idempotency (key, body_hash, response, created_at) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(store_err)?
        .execute(rusqlite::params![key, hash, decided.response.to_string(), step.now])
        .map_err(store_err)?;
    }
    Ok(HoldOutcome::Decided(decided.response))
}

fn commit_tx(conn: &Connection, step: CommitStep) -> Result<CommitOutcome, StoreError> {
    let Some(record) = get_tx(conn, &step.id)? else {
        return Ok(CommitOutcome::NotFound);
    };
    match plan_commit(record, step.amount, step.now) {
        CommitPlan::Answer(outcome) => Ok(outcome),
        CommitPlan::Write(record) => {
            update_tx(conn, &record, step.now)?;
            Ok(CommitOutcome::Committed(record))
        }
        CommitPlan::Redecide(record, amount) => {
            let plan = step.redecide.plan(&record, step.now);
            let counts = counts_tx(conn, &record.scope, &plan, step.now)?;
            let decided = step.redecide.decide(&record, amount, &counts);
            let (write, outcome) = finish_redecide(record, decided, step.now);
            if let Some(w) = write {
                update_tx(conn, &w, step.now)?;
            }
            Ok(outcome)
        }
    }
}

fn release_tx(conn: &Connection, id: &str, now: Millis) -> Result<ReleaseOutcome, StoreError> {
    let Some(mut record) = get_tx(conn, id)? else {
        return Ok(ReleaseOutcome::NotFound);
    };
    match record.state {
        UseState::Committed => Ok(ReleaseOutcome::Committed(record)),
        UseState::Released => Ok(ReleaseOutcome::AlreadyReleased(record)),
        UseState::Held => {
            record.state = UseState::Released;
            update_tx(conn, &record, now)?;
            Ok(ReleaseOutcome::Released(record))
        }
    }
}

fn outcome_tx(conn: &Connection, o: OutcomeRecord) -> Result<OutcomeWrite, StoreError> {
    let inserted = conn
        .prepare_cached(&format!(
            "INSERT INTO outcomes ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (use_id, outcome) DO NOTHING",
            sql::OUTCOME_COLUMNS
        ))
        .map_err(store_err)?
        .execute(rusqlite::params![
            o.use_id,
            o.outcome,
            o.achieved,
            o.policy,
            o.digest,
            o.client,
            o.recorded_at
        ])
        .map_err(store_err)?;
    if inserted == 1 {
        return Ok(OutcomeWrite::Recorded(o));
    }
    let stored = conn
        .prepare_cached(&format!(
            "SELECT {} FROM outcomes WHERE use_id = ?1 AND outcome = ?2",
            sql::OUTCOME_COLUMNS
        ))
        .map_err(store_err)?
        .query_row([&o.use_id, &o.outcome], |r| {
            Ok(OutcomeRecord {
                use_id: r.get(0)?,
                outcome: r.get(1)?,
                achieved: r.get(2)?,
                policy: r.get(3)?,
                digest: r.get(4)?,
                client: r.get(5)?,
                recorded_at: r.get(6)?,
            })
        })
        .map_err(store_err)?;
    Ok(OutcomeWrite::of_existing(&o, stored))
}

#[async_trait]
impl Ledger for SqliteLedger {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    fn location(&self) -> String {
        match self.synchronous {
            Synchronous::Normal => self.path.clone(),
            Synchronous::Full => format!("{}?synchronous=full", self.path),
        }
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.run(|conn| {
            conn.query_row("SELECT 1", [], |_| Ok(()))
                .map_err(store_err)
        })
        .await
    }

    async fn counts(
        &self,
        scope: &Scope,
        plan: &CounterPlan,
        now: Millis,
    ) -> Result<Counts, StoreError> {
        let (scope, plan) = (scope.clone(), plan.clone());
        self.read(move |conn| counts_tx(conn, &scope, &plan, now))
            .await
    }

    async fn hold(&self, step: HoldStep) -> Result<HoldOutcome, StoreError> {
        self.run(move |conn| hold_tx(conn, step)).await
    }

    async fn commit(&self, step: CommitStep) -> Result<CommitOutcome, StoreError> {
        self.run(move |conn| commit_tx(conn, step)).await
    }

    async fn release(&self, id: &str, now: Millis) -> Result<ReleaseOutcome, StoreError> {
        let id = id.to_string();
        self.run(move |conn| release_tx(conn, &id, now)).await
    }

    async fn get(&self, id: &str) -> Result<Option<UseRecord>, StoreError> {
        let id = id.to_string();
        self.read(move |conn| get_tx(conn, &id)).await
    }

    async fn record_outcome(&self, outcome: OutcomeRecord) -> Result<OutcomeWrite, StoreError> {
        self.run(move |conn| outcome_tx(conn, outcome)).await
    }

    async fn live_holds(&self, now: Millis) -> Result<i64, StoreError> {
        self.read(move |conn| {
            conn.query_row(
                "SELECT COUNT(*) FROM uses WHERE state = 'held' AND expires_at > ?1",
                [now],
                |r| r.get(0),
            )
            .map_err(store_err)
        })
        .await
    }

    async fn prune_idempotency(&self, before: Millis, limit: i64) -> Result<u64, StoreError> {
        self.run(move |conn| {
            let n = conn
                .prepare_cached(
                    "DELETE FROM idempotency WHERE key IN \
                     (SELECT key FROM idempotency WHERE created_at <= ?1 ORDER BY created_at LIMIT ?2)",
                )
                .map_err(store_err)?
                .execute([before, limit])
                .map_err(store_err)?;
            Ok(n as u64)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Decided;
    use serde_json::json;

    fn hold_step(key: &str) -> HoldStep {
        HoldStep {
            scope: Scope {
                policy: "p".into(),
                customer_id: "c".into(),
                employee_id: "e".into(),
            },
            plan: CounterPlan::default(),
            now: 1,
            idempotency: Some((key.into(), "h".into())),
            decide: Box::new(|_| Decided {
                response: json!({}),
                record: None,
            }),
        }
    }

    #[test]
    fn a_ledger_of_version_1_is_migrated_to_the_latest() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("usage.db");
        let old = Connection::open(&db).unwrap();
        old.execute_batch(&format!(
            "{}; CREATE TABLE remit_schema (version INTEGER NOT NULL); INSERT INTO remit_schema VALUES (1);",
            sql::MIGRATIONS[0]
        ))
        .unwrap();
        drop(old);
        drop(SqliteLedger::open(db.to_str().unwrap(), Synchronous::Full).unwrap());
        let conn = Connection::open(&db).unwrap();
        let version: i64 = conn
            .query_row("SELECT MAX(version) FROM remit_schema", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, sql::MIGRATIONS.len() as i64);
        let index: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'idempotency_by_age'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(index, 1);
    }

    #[tokio::test]
    async fn the_checkpointer_copies_commits_into_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("usage.db");
        let ledger = SqliteLedger::open(db.to_str().unwrap(), Synchronous::Full).unwrap();
        for k in 0..50 {
            ledger.hold(hold_step(&format!("k{k}"))).await.unwrap();
        }
        // The writer never checkpoints; within a second or two the
        // checkpointer has, so the database file alone (without its WAL)
        // holds every commit.
        let copy = dir.path().join("copy.db");
        let mut keys = 0;
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            std::fs::copy(&db, &copy).unwrap();
            keys = Connection::open(&copy)
                .unwrap()
                .query_row("SELECT COUNT(*) FROM idempotency", [], |r| r.get(0))
                .unwrap_or(0);
            if keys == 50 {
                break;
            }
        }
        assert_eq!(keys, 50, "the WAL was never checkpointed");
        assert_eq!(
            ledger.location(),
            format!("{}?synchronous=full", db.display())
        );
    }
}
