//! The policies the service decides with, one table each, hot-reloaded.
//!
//! A table file is polled for changes (its modification time, size and
//! inode); a changed file is read, validated and swapped in atomically. A
//! table that does not load, or that names another policy, is refused: the
//! old one keeps serving and the refusal is shown in `/v1/status` until a
//! good table replaces it.

use crate::clock::{self, Millis};
use crate::ledger::{CounterPlan, CounterQuery};
use remit_table::v2::{InputType, Table, Window};
use remit_table::{CounterPer, Evaluator, Measure};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

/// One loaded table.
#[derive(Debug)]
pub struct Policy {
    /// The policy's name (requests name it).
    pub name: String,
    /// The file it was read from.
    pub path: PathBuf,
    /// The validated table.
    pub evaluator: Evaluator,
    /// The table as loaded, in format 2 (a format 1 table reads as one).
    pub table: Arc<Table>,
    /// Its digest: every answer names it.
    pub digest: String,
    /// When it was loaded.
    pub loaded_at: Millis,
    /// Per action, its one `money` parameter (what sum counters add up).
    money_param: BTreeMap<String, String>,
    /// Per counter, its subjects and window as the ledger counts them.
    counters: Vec<LedgerCounter>,
}

/// A counter as the ledger counts it: uses for the subject (`per`), for
/// the employee as well when `employee_too`, recorded under the request's
/// values of `keys` (context attribute names), within `window`.
#[derive(Debug, Clone)]
struct LedgerCounter {
    id: String,
    per: CounterPer,
    employee_too: bool,
    keys: Vec<String>,
    window: Window,
}

impl Policy {
    /// Reads and validates the table at `path`.
    pub fn load(path: &Path) -> Result<Policy, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read table `{}`: {e}", path.display()))?;
        let evaluator = Evaluator::from_json(&text)
            .map_err(|e| format!("cannot load table `{}`: {e}", path.display()))?;
        let table = Arc::new(evaluator.document().clone());
        let counters = ledger_counters(&table).map_err(|e| {
            format!(
                "cannot serve table `{}`: {e}\n  help: the service counts uses for a customer or an employee (or both), optionally per key, over a sliding, calendar or all-time window",
                path.display()
            )
        })?;
        let mut money_param = BTreeMap::new();
        for (action, info) in &table.actions {
            let money: Vec<&String> = info
                .params
                .iter()
                .filter(|(_, ty)| **ty == InputType::Money)
                .map(|(name, _)| name)
                .collect();
            if let [one] = money.as_slice() {
                money_param.insert(action.clone(), (*one).clone());
            }
        }
        for (id, counter) in &table.counters {
            if counter.measure != Measure::Sum {
                continue;
            }
            if let Some(action) = counter
                .actions
                .iter()
                .find(|a| !money_param.contains_key(*a))
            {
                return Err(format!(
                    "cannot serve table `{}`: counter `{id}` sums money over action `{action}`, which does not have exactly one `money` parameter\n  help: rebuild the table with `remit build`; the service records each use's one money parameter",
                    path.display()
                ));
            }
        }
        Ok(Policy {
            name: table.policy.name.clone(),
            path: path.to_path_buf(),
            digest: table.digest.clone(),
            evaluator,
            table,
            loaded_at: clock::now(),
            money_param,
            counters,
        })
    }

    /// The name of `action`'s money parameter, if it has exactly one.
    pub fn money_param(&self, action: &str) -> Option<&str> {
        self.money_param.get(action).map(String::as_str)
    }

    /// Every counter of the table, its window resolved at `now` and its
    /// keys to the request's `context` values. A sliding window of `w`
    /// minutes counts uses strictly younger than `w` (as `remit test`
    /// does); a calendar window uses made at or after the start of the
    /// current period in the table's time zone. A keyed counter whose key
    /// the request does not give is left out (the decision is then
    /// invalid if a row reads it: fail closed).
    pub fn plan(&self, now: Millis, context: Option<&Value>) -> CounterPlan {
        let counters = self
            .counters
            .iter()
            .filter_map(|lc| {
                let c = self.table.counters.get(&lc.id)?;
                let after = match lc.window {
                    Window::SlidingMinutes(w) => Some(now.saturating_sub(w.saturating_mul(60_000))),
                    Window::All(_) => None,
                    Window::Calendar(p) => Some(
                        remit_table::calendar::period_start(now, p, &self.table.timezone)?
                            .saturating_sub(1),
                    ),
                };
                let keys = lc
                    .keys
                    .iter()
                    .map(|k| {
                        let value = context?.get(k)?.as_str()?;
                        Some((k.clone(), value.to_string()))
                    })
                    .collect::<Option<Vec<_>>>()?;
                Some(CounterQuery {
                    id: lc.id.clone(),
                    per: lc.per,
                    employee_too: lc.employee_too,
                    actions: c.actions.clone(),
                    measure: c.measure,
                    after,
                    keys,
                })
            })
            .collect();
        CounterPlan { counters }
    }

    /// The key attributes a use records (every `key` input of the
    /// context, as the request gives it), so keyed counters can find it.
    pub fn keys_of(&self, context: Option<&Value>) -> Value {
        let mut out = serde_json::Map::new();
        for (input, info) in &self.table.inputs {
            let Some(name) = input.strip_prefix("context.") else {
                continue;
            };
            if info.ty != InputType::Key {
                continue;
            }
            if let Some(v) = context.and_then(|c| c.get(name)).filter(|v| v.is_string()) {
                out.insert(name.to_string(), v.clone());
            }
        }
        Value::Object(out)
    }

    /// The outcomes the table declares (name → description; none in
    /// format 1).
    pub fn outcomes(&self) -> &BTreeMap<String, String> {
        &self.table.outcomes
    }

    /// `minor` minor units in the table's currency, as the author writes
    /// it (`80.00 USD`); a plain number when the table has no currency.
    pub fn money(&self, minor: i64) -> String {
        match &self.table.currency {
            None => minor.to_string(),
            Some(c) if c.scale == 0 => format!("{minor} {}", c.code),
            Some(c) => {
                let scale = c.scale.min(18);
                let unit = 10i128.pow(scale);
                let v = i128::from(minor);
                let sign = if v < 0 { "-" } else { "" };
                let (whole, frac) = (v.abs() / unit, v.abs() % unit);
                format!(
                    "{sign}{whole}.{frac:0width$} {}",
                    c.code,
                    width = scale as usize
                )
            }
        }
    }
}

/// Each counter as the ledger counts it, or why the ledger cannot count
/// one: a counter must be kept for the customer or the employee (keys
/// narrow it; a counter kept only per key would count across every
/// customer, which the ledger's per-subject locking cannot keep exact).
fn ledger_counters(table: &Table) -> Result<Vec<LedgerCounter>, String> {
    table
        .counters
        .iter()
        .map(|(id, c)| {
            let customer = c.per.iter().any(|p| p == "customer");
            let employee = c.per.iter().any(|p| p == "employee");
            let keys: Vec<String> = c
                .per
                .iter()
                .filter_map(|p| p.strip_prefix("context.").map(str::to_string))
                .collect();
            let per = match (customer, employee) {
                (true, _) => CounterPer::Customer,
                (false, true) => CounterPer::Employee,
                (false, false) => {
                    return Err(format!(
                        "counter `{id}` is kept only per `{}`, across every customer and employee, which the service does not count",
                        c.per.join("+")
                    ))
                }
            };
            Ok(LedgerCounter {
                id: id.clone(),
                per,
                employee_too: customer && employee,
                keys,
                window: c.window,
            })
        })
        .collect()
}

/// A table change that was refused.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    /// The file.
    pub path: String,
    /// When (RFC 3339).
    pub at: String,
    /// Why.
    pub message: String,
}

/// What identifies a version of a file without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Signature {
    modified: Option<SystemTime>,
    len: u64,
    inode: u64,
}

fn signature(path: &Path) -> Option<Signature> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some(Signature {
        modified: meta.modified().ok(),
        len: meta.len(),
        inode,
    })
}

struct Watched {
    path: PathBuf,
    policy: String,
    seen: Option<Signature>,
}

/// The served policies.
pub struct Tables {
    policies: RwLock<BTreeMap<String, Arc<Policy>>>,
    watched: Mutex<Vec<Watched>>,
    refused: Mutex<BTreeMap<String, Refusal>>,
}

/// How one poll went, for the metrics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PollResult {
    /// Tables swapped in.
    pub loaded: u64,
    /// Changes refused.
    pub refused: u64,
}

impl Tables {
    /// Loads every table; lists every one that does not load, and refuses
    /// two tables of one policy.
    pub fn load(paths: &[PathBuf]) -> Result<Tables, String> {
        if paths.is_empty() {
            return Err("`remit serve` needs a table\n  help: build one with `remit build POLICY_DIR -o table.json`, then pass `--table table.json`".into());
        }
        let mut policies = BTreeMap::new();
        let mut watched = Vec::new();
        let mut problems = Vec::new();
        for path in paths {
            let seen = signature(path);
            match Policy::load(path) {
                Err(e) => problems.push(e),
                Ok(p) => {
                    if let Some(other) = policies.get(&p.name).map(|o: &Arc<Policy>| o.path.clone())
                    {
                        problems.push(format!(
                            "tables `{}` and `{}` are both policy `{}`\n  help: serve one table per policy",
                            other.display(),
                            path.display(),
                            p.name
                        ));
                        continue;
                    }
                    watched.push(Watched {
                        path: path.clone(),
                        policy: p.name.clone(),
                        seen,
                    });
                    policies.insert(p.name.clone(), Arc::new(p));
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems.join("\n"));
        }
        Ok(Tables {
            policies: RwLock::new(policies),
            watched: Mutex::new(watched),
            refused: Mutex::new(BTreeMap::new()),
        })
    }

    /// The policy named `name`.
    pub fn get(&self, name: &str) -> Option<Arc<Policy>> {
        self.policies.read().ok()?.get(name).cloned()
    }

    /// Every served policy, by name.
    pub fn all(&self) -> Vec<Arc<Policy>> {
        self.policies
            .read()
            .map(|p| p.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Every refused change still standing.
    pub fn refusals(&self) -> Vec<Refusal> {
        self.refused
            .lock()
            .map(|r| r.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Reloads every table whose file changed since it was last seen.
    pub fn poll(&self) -> PollResult {
        let mut result = PollResult::default();
        let Ok(mut watched) = self.watched.lock() else {
            return result;
        };
        for w in watched.iter_mut() {
            let now_sig = signature(&w.path);
            if now_sig == w.seen {
                continue;
            }
            w.seen = now_sig;
            let outcome = Policy::load(&w.path).and_then(|p| {
                if p.name == w.policy {
                    Ok(p)
                } else {
                    Err(format!(
                        "table `{}` is now policy `{}`, not `{}`: refused\n  help: serve another policy with another `--table`",
                        w.path.display(),
                        p.name,
                        w.policy
                    ))
                }
            });
            let key = w.path.display().to_string();
            match outcome {
                Ok(p) => {
                    eprintln!(
                        "remit serve: loaded `{}` (policy `{}`, {})",
                        key, p.name, p.digest
                    );
                    if let Ok(mut policies) = self.policies.write() {
                        policies.insert(p.name.clone(), Arc::new(p));
                    }
                    if let Ok(mut refused) = self.refused.lock() {
                        refused.remove(&key);
                    }
                    result.loaded += 1;
                }
                Err(message) => {
                    eprintln!("remit serve: refused a new version of `{key}`, the old table keeps serving: {message}");
                    if let Ok(mut refused) = self.refused.lock() {
                        refused.insert(
                            key.clone(),
                            Refusal {
                                path: key,
                                at: clock::rfc3339(clock::now()),
                                message,
                            },
                        );
                    }
                    result.refused += 1;
                }
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = r#"{"format":"remit.table/1","policy":{"name":"p","version":null},
      "digest":"sha256:1","currency":{"code":"USD","scale":2},"default":{"effect":"deny"},
      "roles":{"clerk":[]},"actions":{"refund":{"params":{"amount":"money"}}},
      "inputs":{"param.amount":{"type":"money"}},
      "counters":{"customer/refund/sum/P1D":{"per":"customer","actions":["refund"],"measure":"sum","window_minutes":1440}},
      "obligations":{},"rows":[]}"#;

    #[test]
    fn a_bad_new_table_never_replaces_a_good_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        std::fs::write(&path, TABLE).unwrap();
        let tables = Tables::load(std::slice::from_ref(&path)).unwrap();
        assert_eq!(tables.get("p").unwrap().digest, "sha256:1");
        std::fs::write(&path, "{ not json").unwrap();
        assert_eq!(
            tables.poll(),
            PollResult {
                loaded: 0,
                refused: 1
            }
        );
        assert_eq!(tables.get("p").unwrap().digest, "sha256:1");
        assert!(tables.refusals()[0].message.contains("not valid JSON"));
        std::fs::write(&path, TABLE.replace("sha256:1", "sha256:2")).unwrap();
        assert_eq!(
            tables.poll(),
            PollResult {
                loaded: 1,
                refused: 0
            }
        );
        assert_eq!(tables.get("p").unwrap().digest, "sha256:2");
        assert!(tables.refusals().is_empty());
        std::fs::write(&path, TABLE.replace(r#""name":"p""#, r#""name":"q""#)).unwrap();
        assert_eq!(tables.poll().refused, 1);
        assert!(tables.get("q").is_none());
    }

    const TABLE_V2: &str = r#"{"format":"remit.table/2","policy":{"name":"p","version":null},
      "digest":"sha256:2","currency":{"code":"USD","scale":2},"timezone":"UTC","default":{"effect":"deny"},
      "roles":{"clerk":[]},"actions":{"refund":{"params":{"amount":"money"}}},
      "inputs":{"param.amount":{"type":"money"}},
      "counters":{"customer/refund/sum/all":{"per":["customer"],"actions":["refund"],"measure":"sum","window":{"all":true}}},
      "obligations":{},"outcomes":{"kept":"The guest stays"},"rows":[]}"#;

    #[test]
    fn format_2_tables_are_served_with_keyed_and_calendar_counters() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        std::fs::write(&path, TABLE_V2).unwrap();
        let p = Policy::load(&path).unwrap();
        assert!(p.outcomes().contains_key("kept"));
        let plan = p.plan(100, None);
        assert_eq!(plan.counters[0].after, None, "an all-time window");
        // A calendar month in London, at 2026-12-02 12:00 UTC, started on
        // 2026-12-01 00:00 GMT; uses strictly after the millisecond before.
        let calendar = TABLE_V2
            .replace(r#"{"all":true}"#, r#"{"calendar":"month"}"#)
            .replace(r#""timezone":"UTC""#, r#""timezone":"Europe/London""#);
        std::fs::write(&path, calendar).unwrap();
        let p = Policy::load(&path).unwrap();
        let now = 1_796_212_800_000; // 2026-12-02T12:00:00Z
        let start = 1_796_083_200_000; // 2026-12-01T00:00:00Z
        assert_eq!(p.plan(now, None).counters[0].after, Some(start - 1));
        // Per customer and incident: the request's key value narrows it.
        let keyed = TABLE_V2
            .replace(
                r#""per":["customer"]"#,
                r#""per":["customer","context.incident"]"#,
            )
            .replace(
                r#""inputs":{"#,
                r#""inputs":{"context.incident":{"type":"key"},"#,
            );
        std::fs::write(&path, keyed).unwrap();
        let p = Policy::load(&path).unwrap();
        let context = serde_json::json!({"incident": "INC-7"});
        let plan = p.plan(100, Some(&context));
        assert_eq!(
            plan.counters[0].keys,
            vec![("incident".to_string(), "INC-7".to_string())]
        );
        assert!(p.plan(100, None).counters.is_empty(), "no key, no counter");
        assert_eq!(p.keys_of(Some(&context)), context);
        // Kept only per key, across every customer: refused.
        let key_only = TABLE_V2
            .replace(r#""per":["customer"]"#, r#""per":["context.incident"]"#)
            .replace(
                r#""inputs":{"#,
                r#""inputs":{"context.incident":{"type":"key"},"#,
            );
        std::fs::write(&path, key_only).unwrap();
        let e = Policy::load(&path).unwrap_err();
        assert!(e.contains("is kept only per `context.incident`"), "{e}");
        assert!(e.contains("help: "), "{e}");
    }

    #[test]
    fn money_reads_in_the_tables_currency_and_windows_are_strict() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        std::fs::write(&path, TABLE).unwrap();
        let p = Policy::load(&path).unwrap();
        assert_eq!(p.money(8005), "80.05 USD");
        assert_eq!(p.money_param("refund"), Some("amount"));
        let plan = p.plan(100_000_000, None);
        assert_eq!(plan.counters[0].after, Some(100_000_000 - 1440 * 60_000));
    }
}
