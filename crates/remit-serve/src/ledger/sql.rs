//! SQL shared by both backends: the counter query, written once for both
//! placeholder dialects.

use super::{CounterQuery, Millis, Scope};
use remit_table::{CounterPer, Measure};

/// How a backend spells a placeholder and reads a JSON key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// `?1`, `json_extract(keys, '$."k"')`.
    Sqlite,
    /// `$1`, `keys ->> 'k'`.
    Postgres,
}

/// A bound value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Param {
    /// Text.
    Text(String),
    /// A 64-bit integer.
    Int(i64),
}

/// One statement and its parameters, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Query {
    pub sql: String,
    pub params: Vec<Param>,
}

struct Builder {
    dialect: Dialect,
    params: Vec<Param>,
}

impl Builder {
    fn bind(&mut self, p: Param) -> String {
        self.params.push(p);
        match self.dialect {
            Dialect::Sqlite => format!("?{}", self.params.len()),
            Dialect::Postgres => format!("${}", self.params.len()),
        }
    }
}

/// The one query that computes every counter of `per` for `scope` at
/// `now`: a single range scan of the subject's index
/// (`policy, customer_id, created_at` or `policy, employee_id,
/// created_at`) from the oldest window's start, with one conditional sum
/// per counter. A use counts when it is committed, or held and not yet
/// expired. Returns `None` when no counter is of that kind.
pub(crate) fn counter_query(
    dialect: Dialect,
    scope: &Scope,
    per: CounterPer,
    counters: &[&CounterQuery],
    now: Millis,
) -> Option<Query> {
    if counters.is_empty() {
        return None;
    }
    let mut b = Builder {
        dialect,
        params: Vec::new(),
    };
    let mut columns = Vec::new();
    for c in counters {
        let mut conds = Vec::new();
        let actions: Vec<String> = c
            .actions
            .iter()
            .map(|a| b.bind(Param::Text(a.clone())))
            .collect();
        conds.push(format!("action IN ({})", actions.join(", ")));
        if let Some(after) = c.after {
            conds.push(format!("created_at > {}", b.bind(Param::Int(after))));
        }
        if c.employee_too && per == CounterPer::Customer {
            let employee = b.bind(Param::Text(scope.employee_id.clone()));
            conds.push(format!("employee_id = {employee}"));
        }
        for (key, value) in &c.keys {
            let read = match dialect {
                Dialect::Sqlite => {
                    let path = format!("$.\"{}\"", key.replace('"', ""));
                    format!("json_extract(keys, {})", b.bind(Param::Text(path)))
                }
                Dialect::Postgres => {
                    format!("(keys::jsonb ->> {})", b.bind(Param::Text(key.clone())))
                }
            };
            conds.push(format!("{read} = {}", b.bind(Param::Text(value.clone()))));
        }
        let measure = match c.measure {
            Measure::Count => "1",
            Measure::Sum => "amount",
        };
        let sum = format!(
            "COALESCE(SUM(CASE WHEN {} THEN {measure} ELSE 0 END), 0)",
            conds.join(" AND ")
        );
        columns.push(match dialect {
            Dialect::Sqlite => sum,
            Dialect::Postgres => format!("({sum})::BIGINT"),
        });
    }
    let subject = match per {
        CounterPer::Customer => "customer_id",
        CounterPer::Employee => "employee_id",
    };
    let policy = b.bind(Param::Text(scope.policy.clone()));
    let id = b.bind(Param::Text(match per {
        CounterPer::Customer => scope.customer_id.clone(),
        CounterPer::Employee => scope.employee_id.clone(),
    }));
    let live = b.bind(Param::Int(now));
    let mut sql = format!(
        "SELECT {} FROM uses WHERE policy = {policy} AND {subject} = {id} \
         AND (state = 'committed' OR (state = 'held' AND expires_at > {live}))",
        columns.join(", ")
    );
    // The scan starts at the oldest window; an all-time counter scans all.
    let oldest = counters
        .iter()
        .map(|c| c.after)
        .try_fold(i64::MAX, |acc, a| a.map(|a| acc.min(a)));
    if let Some(oldest) = oldest {
        let p = b.bind(Param::Int(oldest));
        sql.push_str(&format!(" AND created_at > {p}"));
    }
    Some(Query {
        sql,
        params: b.params,
    })
}

/// The schema, version by version. Each backend applies the versions it
/// has not recorded in `remit_schema`, in one transaction each.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: uses and holds, and idempotency keys.
    "CREATE TABLE uses (
        id TEXT PRIMARY KEY,
        policy TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        employee_id TEXT NOT NULL,
        action TEXT NOT NULL,
        amount BIGINT NOT NULL,
        keys TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('held', 'committed', 'released')),
        created_at BIGINT NOT NULL,
        expires_at BIGINT,
        updated_at BIGINT NOT NULL,
        request TEXT NOT NULL
    );
    CREATE INDEX uses_by_customer ON uses (policy, customer_id, created_at);
    CREATE INDEX uses_by_employee ON uses (policy, employee_id, created_at);
    CREATE INDEX uses_live_holds ON uses (expires_at) WHERE state = 'held';
    CREATE TABLE idempotency (
        key TEXT PRIMARY KEY,
        body_hash TEXT NOT NULL,
        response TEXT NOT NULL,
        created_at BIGINT NOT NULL
    );",
    // 2: idempotency keys are forgotten after their retention, oldest
    // first (crate::prune): a range scan of their age.
    "CREATE INDEX idempotency_by_age ON idempotency (created_at);",
    // 3: what came of a use (`POST /v1/outcomes`), once per use and
    // outcome; read by policy and outcome for reports.
    "CREATE TABLE outcomes (
        use_id TEXT NOT NULL REFERENCES uses (id),
        outcome TEXT NOT NULL,
        achieved BOOLEAN NOT NULL,
        policy TEXT NOT NULL,
        digest TEXT NOT NULL,
        client TEXT NOT NULL,
        recorded_at BIGINT NOT NULL,
        PRIMARY KEY (use_id, outcome)
    );
    CREATE INDEX outcomes_by_policy ON outcomes (policy, outcome, recorded_at);",
];

/// The columns of an outcome, in the order [`super::OutcomeRecord`] is
/// read and written.
pub(crate) const OUTCOME_COLUMNS: &str =
    "use_id, outcome, achieved, policy, digest, client, recorded_at";

/// The columns of a use, in the order [`super::UseRecord`] is read.
pub(crate) const USE_COLUMNS: &str =
    "id, policy, customer_id, employee_id, action, amount, keys, state, created_at, expires_at, request";

#[cfg(test)]
mod tests {
    use super::*;

    fn counter(id: &str, after: Option<i64>, keys: Vec<(String, String)>) -> CounterQuery {
        CounterQuery {
            id: id.into(),
            per: CounterPer::Customer,
            employee_too: false,
            actions: vec!["comp_meal".into(), "refund".into()],
            measure: Measure::Sum,
            after,
            keys,
        }
    }

    fn scope() -> Scope {
        Scope {
            policy: "hotel".into(),
            customer_id: "c1".into(),
            employee_id: "e1".into(),
        }
    }

    #[test]
    fn sliding_counters_scan_from_the_oldest_window() {
        let a = counter("a", Some(100), vec![]);
        let b = counter("b", Some(50), vec![]);
        let q = counter_query(
            Dialect::Postgres,
            &scope(),
            CounterPer::Customer,
            &[&a, &b],
            7,
        )
        .unwrap_or_else(|| unreachable!());
        assert!(q.sql.contains("customer_id = $8"), "{}", q.sql);
        assert!(q.sql.ends_with("AND created_at > $10"), "{}", q.sql);
        assert_eq!(q.params.last(), Some(&Param::Int(50)));
        assert!(q.sql.contains("::BIGINT"));
    }

    #[test]
    fn an_all_time_counter_scans_everything_and_keys_are_bound() {
        let a = counter("a", None, vec![("context.incident".into(), "noise".into())]);
        let q = counter_query(Dialect::Sqlite, &scope(), CounterPer::Customer, &[&a], 7)
            .unwrap_or_else(|| unreachable!());
        assert!(!q.sql.contains("AND created_at >"), "{}", q.sql);
        assert!(q.sql.contains("json_extract(keys, ?3) = ?4"), "{}", q.sql);
        assert!(q
            .params
            .contains(&Param::Text("$.\"context.incident\"".into())));
        assert!(counter_query(Dialect::Sqlite, &scope(), CounterPer::Employee, &[], 7).is_none());
    }
}
