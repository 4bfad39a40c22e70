//! Loading a table: reading the text, the format check, deserializing
//! the format's document, then validation ([`crate::validate`]) and
//! compilation ([`crate::compile`]).

use crate::compile::{compile, Compiled};
use crate::error::{Path, TableError, TableErrorKind as Kind};
use crate::format::{self as v1, Table};
use crate::json;
use crate::v2;
use crate::validate::{validate, validate_budgets};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;

/// The formats this crate reads.
pub const FORMATS: [&str; 2] = [v1::FORMAT, v2::FORMAT];

/// A validated, indexed table, ready to decide requests.
#[derive(Debug, Clone)]
pub struct Evaluator {
    /// The table as format 2 (a format 1 table converted).
    pub(crate) document: Arc<v2::Table>,
    /// The table as loaded, when it is format 1.
    pub(crate) legacy: Option<Arc<Table>>,
    pub(crate) compiled: Compiled,
}

fn unsupported(found: &str) -> TableError {
    TableError::new(
        Kind::UnsupportedFormat,
        "format",
        format!(
            "unsupported table format `{found}`: this evaluator reads `{}` and `{}`",
            v1::FORMAT,
            v2::FORMAT
        ),
    )
    .help("rebuild the table with a matching `remit`")
}

impl Evaluator {
    /// Loads a table from JSON text: UTF-8, optionally after a byte-order
    /// mark. Text with a duplicate key in any object is refused, like every
    /// other defect (docs/table-format.md, "Reading JSON text").
    pub fn from_json(text: impl AsRef<[u8]>) -> Result<Evaluator, TableError> {
        let parsed = json::parse(text.as_ref())
            .map_err(|e| TableError::new(Kind::UnreadableText, "", e.describe("the table")))?;
        if let Some((number, line, column)) = parsed.huge {
            return Err(TableError::new(
                Kind::UnreadableText,
                "",
                format!(
                    "the table has the number `{number}` at line {line}, column {column}, beyond the range of a double: every number in a table is a 64-bit integer"
                ),
            ));
        }
        Evaluator::from_value(parsed.value)
    }

    /// Loads a table, format 1 or format 2, from a parsed JSON value.
    pub fn from_value(value: Value) -> Result<Evaluator, TableError> {
        let Some(obj) = value.as_object() else {
            return Err(TableError::new(
                Kind::Shape,
                "",
                "the table must be a JSON object",
            ));
        };
        match obj.get("format") {
            Some(Value::String(f)) if f == v1::FORMAT => {
                let table: Table = deserialize(&value, v1::FORMAT, locate_v1)?;
                Evaluator::new(table)
            }
            Some(Value::String(f)) if f == v2::FORMAT => {
                if let Some(e) = TableError::collect(optional_counters(&value)) {
                    return Err(e);
                }
                let table: v2::Table = deserialize(&value, v2::FORMAT, locate_v2)?;
                Evaluator::from_document(table)
            }
            Some(Value::String(f)) => Err(unsupported(f)),
            Some(_) => Err(TableError::new(
                Kind::UnsupportedFormat,
                "format",
                "`format` must be a string",
            )
            .help(format!("write `\"format\": \"{}\"`", v2::FORMAT))),
            None => Err(TableError::new(
                Kind::UnsupportedFormat,
                "format",
                format!(
                    "the table has no `format` field; expected `\"format\": \"{}\"` or `\"{}\"`",
                    v2::FORMAT,
                    v1::FORMAT
                ),
            )),
        }
    }

    /// Validates a format 1 table and indexes it. Pass an `Arc<Table>` to
    /// share the table with the caller instead of moving it in.
    pub fn new(table: impl Into<Arc<Table>>) -> Result<Evaluator, TableError> {
        let table: Arc<Table> = table.into();
        if table.format != v1::FORMAT {
            return Err(unsupported(&table.format));
        }
        // Budgets are checked as budgets; the ones that fail are left out
        // of the conversion, so that each problem is reported once.
        let (mut problems, fine) = validate_budgets(&table);
        let mut converted = (*table).clone();
        for (row, ok) in converted.rows.iter_mut().zip(&fine) {
            let mut keep = ok.iter();
            row.budgets
                .retain(|_| keep.next().copied().unwrap_or(false));
        }
        let document = v2::Table::from(converted);
        problems.extend(validate(&document).into_iter().map(budget_path));
        if let Some(e) = TableError::collect(problems) {
            return Err(e);
        }
        Ok(Evaluator {
            compiled: compile(&document),
            document: Arc::new(document),
            legacy: Some(table),
        })
    }

    /// Validates a format 2 table (or a format 1 table already converted
    /// with [`v2::Table::from`]) and indexes it.
    pub fn from_document(table: impl Into<Arc<v2::Table>>) -> Result<Evaluator, TableError> {
        let document: Arc<v2::Table> = table.into();
        if !FORMATS.contains(&document.format.as_str()) {
            return Err(unsupported(&document.format));
        }
        if let Some(e) = TableError::collect(validate(&document)) {
            return Err(e);
        }
        Ok(Evaluator {
            compiled: compile(&document),
            document,
            legacy: None,
        })
    }

    /// The loaded table, when it is format 1 (`None` for format 2: see
    /// [`Evaluator::document`]).
    pub fn table(&self) -> Option<&Table> {
        self.legacy.as_deref()
    }

    /// The loaded format 1 table, shared (`None` for format 2).
    pub fn shared_table(&self) -> Option<Arc<Table>> {
        self.legacy.clone()
    }

    /// The table as format 2 (a format 1 table as converted on loading).
    pub fn document(&self) -> &v2::Table {
        &self.document
    }
}

/// A format 1 budget is read as a limit relation: a problem found in one
/// is placed at the budget (`rows[0].budgets[0].param`).
fn budget_path(mut e: TableError) -> TableError {
    if let Some((row, rest)) = e.path.split_once(".limit_relations[") {
        let (index, rest) = rest.split_once(']').unwrap_or((rest, ""));
        let field = match rest.strip_prefix(".terms[\"") {
            Some(key) if key.starts_with("param.") => ".param",
            Some(_) => ".counter",
            None => "",
        };
        e.path = format!("{row}.budgets[{index}]{field}");
    }
    e
}

/// Counters marked `optional`, which format 2 does not have: said as
/// such rather than as an unknown field, with the fix.
fn optional_counters(value: &Value) -> Vec<TableError> {
    let Some(counters) = value.get("counters").and_then(Value::as_object) else {
        return Vec::new();
    };
    counters
        .iter()
        .filter(|(_, c)| c.get("optional").is_some())
        .map(|(id, _)| {
            TableError::new(
                Kind::InvalidCounter,
                Path::root("counters").key(id).field("optional").as_str(),
                format!("counter `{id}` is marked `optional`, but a counter is never optional"),
            )
            .help("drop `optional`: the caller supplies every counter a candidate row reads, 0 when its store has no uses")
        })
        .collect()
}

/// Deserializes the document of one format, or says where it goes wrong.
fn deserialize<T: DeserializeOwned>(
    value: &Value,
    format: &str,
    locate: fn(&Value) -> Option<Located>,
) -> Result<T, TableError> {
    serde_json::from_value(value.clone()).map_err(|e| {
        let (path, rule, message) =
            locate(value).unwrap_or_else(|| (Path::default(), None, e.to_string()));
        let mut e = TableError::new(
            Kind::Shape,
            path.as_str(),
            format!("the table does not follow `{format}`: {message}"),
        );
        e.rule = rule;
        e
    })
}

/// Where a part fails to deserialize: its path, the rule of its row, and
/// the error.
type Located = (Path, Option<String>, String);

/// A top-level map (`inputs`), how one entry fails, and its fields.
type Entries<'a> = (&'a str, (Part, &'a [(&'a str, Part)]));

/// Deserializes one part on its own: its error, if it fails.
type Part = fn(&Value) -> Option<String>;

fn fails<T: DeserializeOwned>(v: &Value) -> Option<String> {
    serde_json::from_value::<T>(v.clone())
        .err()
        .map(|e| e.to_string())
}

/// The first of `fields` of `obj` that fails on its own.
fn first_failing(obj: &Value, at: &Path, fields: &[(&str, Part)]) -> Option<(Path, String)> {
    fields.iter().find_map(|(name, check)| {
        let e = obj.get(*name).and_then(check)?;
        Some((at.field(name), e))
    })
}

/// Where a table that does not deserialize goes wrong: the first
/// top-level field, row, row part or constraint that fails on its own,
/// and its error. `None` when only the whole fails (a missing or unknown
/// top-level field).
fn locate(
    value: &Value,
    top: &[(&str, Part)],
    entry_parts: &[Entries<'_>],
    row_fields: &[(&str, Part)],
    row_fails: Part,
    constraint_fails: Part,
    relation_fails: Option<Part>,
) -> Option<Located> {
    if let Some((path, e)) = first_failing(value, &Path::default(), top) {
        let name = path.as_str().trim_start_matches('.').to_string();
        let at = Path::root(&name);
        let parts = entry_parts.iter().find(|(n, _)| *n == name);
        let entry = value.get(&name).and_then(Value::as_object).and_then(|m| {
            let (_, (check, fields)) = parts?;
            m.iter().find_map(|(key, v)| {
                let e = check(v)?;
                let here = at.key(key);
                Some(first_failing(v, &here, fields).unwrap_or((here, e)))
            })
        });
        let (path, e) = entry.unwrap_or((at, e));
        return Some((path, None, e));
    }
    for (i, row) in value.get("rows")?.as_array()?.iter().enumerate() {
        let Some(e) = row_fails(row) else { continue };
        let rule = row.get("rule").and_then(Value::as_str).map(str::to_string);
        let at = Path::root("rows").index(i);
        if let Some((path, e)) = first_failing(row, &at, row_fields) {
            return Some((path, rule, e));
        }
        for part in ["scope", "limits"] {
            let Some(constraints) = row.get(part).and_then(Value::as_object) else {
                continue;
            };
            for (key, c) in constraints {
                if let Some(e) = constraint_fails(c) {
                    return Some((at.field(part).key(key), rule, e));
                }
            }
        }
        if let Some(relation_fails) = relation_fails {
            for part in ["scope_relations", "limit_relations"] {
                let Some(list) = row.get(part).and_then(Value::as_array) else {
                    continue;
                };
                for (j, r) in list.iter().enumerate() {
                    if relation_fails(r).is_none() {
                        continue;
                    }
                    let here = at.field(part).index(j);
                    if let Some(terms) = r.get("terms").and_then(Value::as_object) {
                        for (key, c) in terms {
                            if !c.is_i64() {
                                return Some((
                                    here.field("terms").key(key),
                                    rule,
                                    format!("the coefficient of `{key}` must be a non-zero 64-bit integer, not {c}"),
                                ));
                            }
                        }
                    }
                    if let Some(max) = r.get("max").filter(|m| !m.is_i64()) {
                        return Some((
                            here.field("max"),
                            rule,
                            format!("`max` must be a 64-bit integer, not {max}"),
                        ));
                    }
                    return relation_fails(r).map(|e| (here, rule, e));
                }
            }
        }
        if row.get("budgets").is_some() && relation_fails.is_some() {
            return Some((
                at.field("budgets"),
                rule,
                "format 2 has no `budgets`: a budget is a limit relation, `{\"terms\": {COUNTER: 1, PARAM: 1}, \"max\": N}` in `limit_relations`".into(),
            ));
        }
        return Some((at, rule, e));
    }
    None
}

fn locate_v1(value: &Value) -> Option<Located> {
    use crate::format::{
        ActionInfo, Budget, Constraint, CounterInfo, CurrencyInfo, DefaultDecision, Escalation,
        InputInfo, Outcome, PolicyInfo, Row, SourceLocation,
    };
    use std::collections::BTreeMap;
    let top: [(&str, Part); 10] = [
        ("policy", fails::<PolicyInfo>),
        ("digest", fails::<String>),
        ("currency", fails::<Option<CurrencyInfo>>),
        ("default", fails::<DefaultDecision>),
        ("roles", fails::<BTreeMap<String, Vec<String>>>),
        ("actions", fails::<BTreeMap<String, ActionInfo>>),
        ("inputs", fails::<BTreeMap<String, InputInfo>>),
        ("counters", fails::<BTreeMap<String, CounterInfo>>),
        ("obligations", fails::<BTreeMap<String, String>>),
        ("rows", fails::<Vec<Value>>),
    ];
    let row: [(&str, Part); 11] = [
        ("rule", fails::<String>),
        ("source", fails::<Option<SourceLocation>>),
        ("effect", fails::<Outcome>),
        ("roles", fails::<Vec<String>>),
        ("actions", fails::<Vec<String>>),
        ("scope", fails::<BTreeMap<String, Value>>),
        ("limits", fails::<BTreeMap<String, Value>>),
        ("budgets", fails::<Vec<Budget>>),
        ("obligations", fails::<Vec<String>>),
        ("notify", fails::<Vec<String>>),
        ("escalation", fails::<Option<Escalation>>),
    ];
    let input: [(&str, Part); 2] = [
        ("type", fails::<crate::format::InputType>),
        ("values", fails::<Option<Vec<String>>>),
    ];
    let counter: [(&str, Part); 4] = [
        ("per", fails::<crate::format::CounterPer>),
        ("actions", fails::<Vec<String>>),
        ("measure", fails::<crate::format::Measure>),
        ("window_minutes", fails::<i64>),
    ];
    let action: [(&str, Part); 1] = [(
        "params",
        fails::<BTreeMap<String, crate::format::InputType>>,
    )];
    let entries: [Entries<'_>; 3] = [
        ("inputs", (fails::<InputInfo>, &input)),
        ("counters", (fails::<CounterInfo>, &counter)),
        ("actions", (fails::<ActionInfo>, &action)),
    ];
    locate(
        value,
        &top,
        &entries,
        &row,
        fails::<Row>,
        fails::<Constraint>,
        None,
    )
}

fn locate_v2(value: &Value) -> Option<Located> {
    use crate::v2::{
        ActionInfo, Constraint, CounterInfo, CurrencyInfo, DefaultDecision, Escalation, InputInfo,
        Outcome, PolicyInfo, Relation, Row, SourceLocation,
    };
    use std::collections::BTreeMap;
    let top: [(&str, Part); 12] = [
        ("policy", fails::<PolicyInfo>),
        ("digest", fails::<String>),
        ("currency", fails::<Option<CurrencyInfo>>),
        ("timezone", fails::<String>),
        ("default", fails::<DefaultDecision>),
        ("roles", fails::<BTreeMap<String, Vec<String>>>),
        ("actions", fails::<BTreeMap<String, ActionInfo>>),
        ("inputs", fails::<BTreeMap<String, InputInfo>>),
        ("counters", fails::<BTreeMap<String, CounterInfo>>),
        ("obligations", fails::<BTreeMap<String, String>>),
        ("outcomes", fails::<BTreeMap<String, String>>),
        ("rows", fails::<Vec<Value>>),
    ];
    let row: [(&str, Part); 13] = [
        ("rule", fails::<String>),
        ("source", fails::<Option<SourceLocation>>),
        ("effect", fails::<Outcome>),
        ("roles", fails::<Vec<String>>),
        ("actions", fails::<Vec<String>>),
        ("scope", fails::<BTreeMap<String, Value>>),
        ("scope_relations", fails::<Vec<Value>>),
        ("limits", fails::<BTreeMap<String, Value>>),
        ("limit_relations", fails::<Vec<Value>>),
        ("obligations", fails::<Vec<String>>),
        ("aims", fails::<Vec<String>>),
        ("notify", fails::<Vec<String>>),
        ("escalation", fails::<Option<Escalation>>),
    ];
    if let Some((id, _)) = value
        .get("counters")
        .and_then(Value::as_object)
        .and_then(|m| m.iter().find(|(_, c)| c.get("window_minutes").is_some()))
    {
        return Some((
            Path::root("counters").key(id),
            None,
            "format 2 counters have `window`, not `window_minutes`: write `\"window\": {\"sliding_minutes\": N}`, and `per` as a list".into(),
        ));
    }
    let input: [(&str, Part); 3] = [
        ("type", fails::<crate::v2::InputType>),
        ("values", fails::<Option<Vec<String>>>),
        ("optional", fails::<bool>),
    ];
    let counter: [(&str, Part); 4] = [
        ("per", fails::<Vec<String>>),
        ("actions", fails::<Vec<String>>),
        ("measure", fails::<crate::v2::Measure>),
        ("window", fails::<crate::v2::Window>),
    ];
    let action: [(&str, Part); 1] = [("params", fails::<BTreeMap<String, crate::v2::InputType>>)];
    let entries: [Entries<'_>; 3] = [
        ("inputs", (fails::<InputInfo>, &input)),
        ("counters", (fails::<CounterInfo>, &counter)),
        ("actions", (fails::<ActionInfo>, &action)),
    ];
    locate(
        value,
        &top,
        &entries,
        &row,
        fails::<Row>,
        fails::<Constraint>,
        Some(fails::<Relation>),
    )
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::TableErrorKind;
    use serde_json::{json, Value};

    /// A valid table: `extend` has `days`, `refund` has `amount`.
    fn table() -> Value {
        json!({
            "format": "remit.table/1", "policy": {"name": "t", "version": null}, "digest": "sha256:0",
            "currency": {"code": "USD", "scale": 2}, "default": {"effect": "deny"},
            "roles": {"clerk": []},
            "actions": {"extend": {"params": {"days": "int"}}, "refund": {"params": {"amount": "money"}}},
            "inputs": {"customer.age": {"type": "int"}, "param.amount": {"type": "money"}, "param.days": {"type": "int"}},
            "counters": {"customer/refund/sum/P30D": {"per": "customer", "actions": ["refund"], "measure": "sum", "window_minutes": 43200}},
            "obligations": {},
            "rows": [{"rule": "r", "effect": "permit", "roles": ["clerk"], "actions": ["refund"],
                      "scope": {"customer.age": {"min": 18}}, "limits": {"param.amount": {"max": 100}},
                      "budgets": [{"counter": "customer/refund/sum/P30D", "param": "param.amount", "max": 500}],
                      "obligations": [], "notify": [], "escalation": null}],
        })
    }

    /// The refusal's message for a variant of the table.
    fn refusal(change: impl FnOnce(&mut Value)) -> String {
        let mut t = table();
        change(&mut t);
        match Evaluator::from_value(t) {
            Ok(_) => String::from("loaded"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn the_base_table_loads() {
        assert_eq!(refusal(|_| {}), "loaded");
    }

    /// The refusal's message for a table given as text.
    fn text_refusal(text: impl AsRef<[u8]>) -> String {
        match Evaluator::from_json(text) {
            Ok(_) => String::from("loaded"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_table_given_as_text_may_start_with_a_byte_order_mark() {
        let text = serde_json::to_string_pretty(&table()).unwrap();
        assert_eq!(text_refusal(format!("\u{feff}{text}")), "loaded");
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(text.as_bytes());
        assert_eq!(text_refusal(&bytes), "loaded");
        assert_eq!(
            text_refusal(format!("\u{feff}\u{feff}{text}")),
            "the table is not valid JSON: expected a value, found the character U+FEFF at line 1, column 1"
        );
    }

    #[test]
    fn a_table_with_a_duplicate_key_is_refused() {
        let text = serde_json::to_string_pretty(&table()).unwrap();
        let twice = text.replacen(
            "\"effect\": \"permit\",",
            "\"effect\": \"permit\",\n      \"effect\": \"forbid\",",
            1,
        );
        assert_ne!(twice, text);
        assert!(
            text_refusal(&twice).starts_with(
                "the table gives the key `effect` twice in one object (the second at line "
            ),
            "{}",
            text_refusal(&twice)
        );
    }

    #[test]
    fn a_table_number_beyond_a_double_is_named_as_written() {
        let text = serde_json::to_string(&table())
            .unwrap()
            .replace("\"max\":100}", "\"max\":1e400}");
        assert_eq!(
            text_refusal(&text),
            format!(
                "the table has the number `1e400` at line 1, column {}, beyond the range of a double: every number in a table is a 64-bit integer",
                text.find("1e400").unwrap() + 1
            )
        );
        // Within the range of a double, the type check names the problem.
        let text = text.replace("1e400", "1e300");
        assert!(
            text_refusal(&text).contains("param.amount"),
            "{}",
            text_refusal(&text)
        );
    }

    #[test]
    fn a_row_reads_only_parameters_of_every_one_of_its_actions() {
        let m = refusal(|t| t["rows"][0]["actions"] = json!(["extend", "refund"]));
        assert_eq!(
            m,
            "at `rows[0].limits[\"param.amount\"]` (rule `r`): reads `param.amount`, but action `extend` has no parameter `amount`\n\
             at `rows[0].budgets[0].param` (rule `r`): reads `param.amount`, but action `extend` has no parameter `amount`"
        );
        // The same through a scope, and through a budget alone.
        let m = refusal(|t| {
            t["rows"][0]["actions"] = json!(["extend"]);
            t["rows"][0]["limits"] = json!({});
        });
        assert!(
            m.contains("reads `param.amount`, but action `extend`"),
            "{m}"
        );
        let m = refusal(|t| {
            t["rows"][0]["scope"] = json!({"param.days": {"max": 3}});
        });
        assert!(m.contains("reads `param.days`, but action `refund`"), "{m}");
    }

    #[test]
    fn input_keys_name_something_and_counters_are_not_inputs() {
        let m = refusal(|t| t["inputs"]["customer."] = json!({"type": "int"}));
        assert!(m.contains("input `customer.` must be"), "{m}");
        let m = refusal(|t| t["inputs"]["age"] = json!({"type": "int"}));
        assert!(m.contains("input `age` must be"), "{m}");
        let m = refusal(|t| {
            t["counters"]["customer.age"] = t["counters"]["customer/refund/sum/P30D"].clone();
        });
        assert_eq!(
            m,
            "at `counters[\"customer.age\"]`: counter `customer.age` has the same id as an input"
        );
    }

    #[test]
    fn a_table_that_does_not_deserialize_is_refused_with_the_place() {
        let m = refusal(|t| t["rows"][0]["scope"]["customer.age"] = json!({"min": 1, "in": ["x"]}));
        assert_eq!(
            m,
            "at `rows[0].scope[\"customer.age\"]` (rule `r`): the table does not follow `remit.table/1`: \
             a constraint has the fields {min, max}, {in}, {eq}, {present} or {contains, excludes}, not `in`, `min`"
        );
        let m = refusal(|t| t["rows"][0]["limits"]["param.amount"] = json!({"max": 1.5}));
        assert!(
            m.starts_with("at `rows[0].limits[\"param.amount\"]` (rule `r`): ")
                && m.ends_with("`max` must be a 64-bit integer, not 1.5"),
            "{m}"
        );
        let m = refusal(|t| t["rows"][0]["scope"]["customer.age"] = json!({"eq": null}));
        assert!(
            m.ends_with("`eq` must be `true` or `false`, not null"),
            "{m}"
        );
        let m = refusal(|t| t["rows"][0]["roles"] = json!("clerk"));
        assert!(m.starts_with("at `rows[0].roles` (rule `r`): "), "{m}");
        assert!(m.contains("invalid type"), "{m}");
        let m = refusal(|t| t["currency"]["scale"] = json!(4_294_967_296_u64));
        assert!(m.starts_with("at `currency`: "), "{m}");
        assert!(m.contains("4294967296"), "{m}");
        // A missing field is named by serde itself.
        let m = refusal(|t| {
            t.as_object_mut().unwrap().remove("rows");
        });
        assert!(m.ends_with("missing field `rows`"), "{m}");
    }

    #[test]
    fn validation_lists_every_problem_with_its_kind_and_path() {
        let mut t = table();
        t["default"]["effect"] = json!("permit");
        t["rows"][0]["scope"]["customer.age"] = json!({"min": 70, "max": 69});
        t["rows"][0]["notify"] = json!(["owner"]);
        let e = Evaluator::from_value(t).unwrap_err();
        let got: Vec<(TableErrorKind, &str, Option<&str>)> = e
            .problems()
            .map(|p| (p.kind, p.path.as_str(), p.rule.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (TableErrorKind::Misplaced, "default.effect", None),
                (TableErrorKind::UnknownName, "rows[0].notify", Some("r")),
                (
                    TableErrorKind::InvalidConstraint,
                    r#"rows[0].scope["customer.age"]"#,
                    Some("r")
                ),
            ]
        );
        assert_eq!(
            e.others[1].to_string(),
            "at `rows[0].scope[\"customer.age\"]` (rule `r`): `customer.age`: `min` 70 is above `max` 69; help: swap the bounds, or fix the one that is wrong"
        );
    }

    #[test]
    fn null_constraint_fields_are_absent() {
        assert_eq!(
            refusal(|t| t["rows"][0]["limits"]["param.amount"] = json!({"min": null, "max": 100})),
            "loaded"
        );
        let m =
            refusal(|t| t["rows"][0]["limits"]["param.amount"] = json!({"min": null, "max": null}));
        assert!(m.ends_with("an interval needs `min` or `max`"), "{m}");
    }

    /// A valid format 2 table: a `time` input, an optional key, a keyed
    /// calendar counter.
    fn table_v2() -> Value {
        json!({
            "format": "remit.table/2", "policy": {"name": "t", "version": null}, "digest": "sha256:0",
            "currency": {"code": "USD", "scale": 2}, "timezone": "UTC", "default": {"effect": "deny"},
            "roles": {"clerk": []},
            "actions": {"refund": {"params": {"amount": "money"}}},
            "inputs": {"context.at": {"type": "time"}, "context.ref": {"type": "key", "optional": true},
                       "context.incident": {"type": "key"}, "param.amount": {"type": "money"}},
            "counters": {"customer+context.incident/refund/count/calendar-week": {
                "per": ["customer", "context.incident"], "actions": ["refund"], "measure": "count",
                "window": {"calendar": "week"}}},
            "obligations": {}, "outcomes": {},
            "rows": [{"rule": "r", "effect": "permit", "roles": ["clerk"], "actions": ["refund"],
                      "scope": {"context.at": {"min": 0, "max": 1439}, "context.ref": {"present": false}},
                      "scope_relations": [],
                      "limits": {"customer+context.incident/refund/count/calendar-week": {"max": 2}},
                      "limit_relations": [], "obligations": [], "aims": [], "notify": [], "escalation": null}],
        })
    }

    fn refusal_v2(change: impl FnOnce(&mut Value)) -> String {
        let mut t = table_v2();
        change(&mut t);
        match Evaluator::from_value(t) {
            Ok(_) => String::from("loaded"),
            Err(e) => e.to_string(),
        }
    }

    const COUNTER: &str = "customer+context.incident/refund/count/calendar-week";

    #[test]
    fn the_base_format_2_table_loads() {
        assert_eq!(refusal_v2(|_| {}), "loaded");
    }

    #[test]
    fn time_bounds_are_times_of_day() {
        let m =
            refusal_v2(|t| t["rows"][0]["scope"]["context.at"] = json!({"min": 1320, "max": 1440}));
        assert_eq!(
            m,
            "at `rows[0].scope[\"context.at\"]` (rule `r`): `context.at`: `max` 1440 is not a time of day: \
             a `time` is 0 (00:00) to 1439 (23:59) minutes since midnight; help: every time of day meets this `max`: drop the bound"
        );
        let m = refusal_v2(|t| t["rows"][0]["scope"]["context.at"] = json!({"max": -1}));
        assert!(m.contains("`max` -1 is not a time of day"), "{m}");
        assert!(
            m.ends_with(
                "help: no time of day meets this bound, so the row can never apply: drop the row"
            ),
            "{m}"
        );
        let m = refusal_v2(|t| t["rows"][0]["scope"]["context.at"] = json!({"min": 1440}));
        assert!(
            m.ends_with("so the row can never apply: drop the row"),
            "{m}"
        );
        let m = refusal_v2(|t| t["rows"][0]["scope"]["context.at"] = json!({"min": -1}));
        assert!(
            m.ends_with("every time of day meets this `min`: drop the bound"),
            "{m}"
        );
    }

    #[test]
    fn parameters_and_counters_are_never_optional() {
        let m = refusal_v2(|t| t["inputs"]["param.amount"]["optional"] = json!(true));
        assert_eq!(
            m,
            "at `inputs[\"param.amount\"].optional`: action parameter `param.amount` is marked `optional`, but a parameter is never optional; \
             help: drop `optional`: every request for the action gives its parameters; only `customer` and `context` inputs may be omitted"
        );
        let m = refusal_v2(|t| t["counters"][COUNTER]["optional"] = json!(true));
        assert_eq!(
            m,
            format!("at `counters[\"{COUNTER}\"].optional`: counter `{COUNTER}` is marked `optional`, but a counter is never optional; \
             help: drop `optional`: the caller supplies every counter a candidate row reads, 0 when its store has no uses")
        );
        // `false` is no better: the field does not exist on a counter.
        let m = refusal_v2(|t| t["counters"][COUNTER]["optional"] = json!(false));
        assert!(m.contains("is marked `optional`"), "{m}");
    }

    #[test]
    fn a_window_is_one_of_three_forms() {
        let at = format!(
            "at `counters[\"{COUNTER}\"].window`: the table does not follow `remit.table/2`: "
        );
        let forms = "`{\"sliding_minutes\": N}`, `{\"calendar\": PERIOD}` or `{\"all\": true}`";
        let window = |w: Value| refusal_v2(|t| t["counters"][COUNTER]["window"] = w);
        assert_eq!(
            window(json!({"rolling": 5})),
            format!("{at}unknown window `rolling`: write one of {forms}")
        );
        assert_eq!(
            window(json!({"all": true, "calendar": "day"})),
            format!(
                "{at}a window has exactly one field, not `all`, `calendar`: write one of {forms}"
            )
        );
        assert_eq!(
            window(json!({})),
            format!("{at}a window has exactly one field, not none: write one of {forms}")
        );
        assert_eq!(
            window(json!({"calendar": "fortnight"})),
            format!("{at}unknown calendar period \"fortnight\": write `\"day\"`, `\"week\"`, `\"month\"`, `\"quarter\"` or `\"year\"`")
        );
        assert_eq!(
            window(json!({"all": 1})),
            format!("{at}`all` must be `true`, not 1")
        );
        assert_eq!(
            window(json!(43200)),
            format!("{at}a window is an object, one of {forms}, not 43200")
        );
        assert!(window(json!({"all": false})).contains("has `\"all\": false`"));
        for ok in [
            json!({"all": true}),
            json!({"sliding_minutes": 60}),
            json!({"calendar": "quarter"}),
        ] {
            assert_eq!(window(ok), "loaded");
        }
    }

    #[test]
    fn counter_subjects_are_customer_employee_or_context_keys() {
        let per = |p: Value| refusal_v2(|t| t["counters"][COUNTER]["per"] = p);
        assert_eq!(per(json!(["employee", "customer"])), "loaded");
        let m = per(json!(["customer", "context.at"]));
        assert!(m.contains("kept per `context.at`, which is neither"), "{m}");
        let m = per(json!(["account"]));
        assert!(m.contains("kept per `account`"), "{m}");
        // A key that a request may omit cannot key a counter.
        let m = refusal_v2(|t| t["inputs"]["context.incident"]["optional"] = json!(true));
        assert_eq!(
            m,
            format!("at `counters[\"{COUNTER}\"].per[1]`: counter `{COUNTER}` is kept per `context.incident`, which is optional: \
             a request may omit it, and then the counter counts for no key; \
             help: declare `context.incident` required (drop `optional`): a counter needs its key on every request")
        );
    }
}
