//! The table's data types for `remit.table/2` (docs/table-format.md,
//! "Format 2"): the single source of the format-2 shapes that the
//! lowering writes and every evaluator reads.
//!
//! Format 2 adds to format 1: linear relations on rows
//! (`scope_relations`, `limit_relations`; budgets are limit relations, so
//! there is no `budgets` field), counters with several subjects and
//! calendar or unbounded windows, a `timezone`, the input types `key`,
//! `date` and `time`, optional inputs with `{"present": …}` constraints,
//! and outcomes that rows aim at. A format 1 table reads as a format 2
//! table with none of the new parts ([`Table::from`] a
//! [`crate::Table`]).
//!
//! The evaluator itself works on these types only; [`crate::Table`] is
//! the format 1 document, converted here when loaded.

use crate::format as v1;
/// The parts that format 2 shares with format 1, re-exported so that a
/// format 2 writer needs this module only.
pub use crate::format::{
    BoolEq, CurrencyInfo, DefaultDecision, Escalation, InSet, Interval, Measure, Outcome,
    PolicyInfo, SetTest, SourceLocation,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The format this module describes.
pub const FORMAT: &str = "remit.table/2";

/// A compiled decision table, format 2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "TableV2"))]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// `remit.table/2` (or `remit.table/1` for a converted format 1 table).
    pub format: String,
    /// The policy's name and version.
    pub policy: PolicyInfo,
    /// `sha256:` + hex digest of the canonical body.
    pub digest: String,
    /// The currency, when the policy uses money.
    pub currency: Option<CurrencyInfo>,
    /// The IANA time zone of calendar windows (`"UTC"` by default).
    pub timezone: String,
    /// The decision when no rule applies.
    pub default: DefaultDecision,
    /// Every role and all its ancestors.
    pub roles: BTreeMap<String, Vec<String>>,
    /// Every action and its parameters.
    pub actions: BTreeMap<String, ActionInfo>,
    /// Every input a row may read (`customer.x`, `context.x`, `param.x`).
    pub inputs: BTreeMap<String, InputInfo>,
    /// Every usage counter a row may read.
    pub counters: BTreeMap<String, CounterInfo>,
    /// Obligation name → description.
    pub obligations: BTreeMap<String, String>,
    /// Outcome name → description.
    pub outcomes: BTreeMap<String, String>,
    /// The rows, by rule name, then row.
    pub rows: Vec<Row>,
}

/// An action's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "ActionInfoV2"))]
#[serde(deny_unknown_fields)]
pub struct ActionInfo {
    /// Parameter name → type.
    pub params: BTreeMap<String, InputType>,
}

/// The type of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "InputTypeV2"))]
#[serde(rename_all = "lowercase")]
pub enum InputType {
    /// JSON `true`/`false`.
    Bool,
    /// A whole number.
    Int,
    /// A whole number of minor units.
    Money,
    /// A whole number of minutes.
    Duration,
    /// One of `values`.
    Enum,
    /// An array of `values`.
    Set,
    /// An opaque identifier (a JSON string): a booking reference, an
    /// incident number. Only `present` constrains it; counters are kept
    /// per key.
    Key,
    /// Whole days since 1970-01-01.
    Date,
    /// Minutes since midnight, 0 to 1439.
    Time,
}

impl InputType {
    /// Whether values are integers (intervals and relations apply).
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            InputType::Int
                | InputType::Money
                | InputType::Duration
                | InputType::Date
                | InputType::Time
        )
    }

    /// The type's name in the format.
    pub fn as_str(self) -> &'static str {
        match self {
            InputType::Bool => "bool",
            InputType::Int => "int",
            InputType::Money => "money",
            InputType::Duration => "duration",
            InputType::Enum => "enum",
            InputType::Set => "set",
            InputType::Key => "key",
            InputType::Date => "date",
            InputType::Time => "time",
        }
    }

    /// Whether the type exists in format 1.
    pub fn in_format_1(self) -> bool {
        !matches!(self, InputType::Key | InputType::Date | InputType::Time)
    }
}

impl From<v1::InputType> for InputType {
    fn from(t: v1::InputType) -> Self {
        match t {
            v1::InputType::Bool => InputType::Bool,
            v1::InputType::Int => InputType::Int,
            v1::InputType::Money => InputType::Money,
            v1::InputType::Duration => InputType::Duration,
            v1::InputType::Enum => InputType::Enum,
            v1::InputType::Set => InputType::Set,
        }
    }
}

/// An input's type, its variants, and whether a request may omit it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "InputInfoV2"))]
#[serde(deny_unknown_fields)]
pub struct InputInfo {
    /// The type.
    #[serde(rename = "type")]
    pub ty: InputType,
    /// The variants (enums and sets only), sorted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    /// A request may omit it: then `{"present": false}` holds and every
    /// other constraint on it fails.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
}

/// A usage counter the caller supplies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "CounterInfoV2"))]
#[serde(deny_unknown_fields)]
pub struct CounterInfo {
    /// Whom the uses are counted for, together: `customer`, `employee`
    /// and `context.K` for `key` inputs K, in the order the id spells them.
    pub per: Vec<String>,
    /// The actions counted together.
    pub actions: Vec<String>,
    /// Count or sum.
    pub measure: Measure,
    /// Which past uses count.
    pub window: Window,
}

/// Which past uses a counter counts (docs/table-format.md, "Counters a
/// caller computes"): the caller's store counts them; the table only says
/// which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// `{"sliding_minutes": N}`: the last N minutes (N ≥ 1).
    SlidingMinutes(i64),
    /// `{"calendar": "day"}`: since the start of the current period in the
    /// table's time zone (weeks start on Monday).
    Calendar(CalendarPeriod),
    /// `{"all": true}`: every use ever (`false` is refused).
    All(bool),
}

impl<'de> Deserialize<'de> for Window {
    /// Reads a window by its one field, with an error that names what is
    /// wrong and the forms a window may take.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Window::from_value(&value).map_err(serde::de::Error::custom)
    }
}

impl Window {
    /// The three forms a window may take, for messages.
    const FORMS: &'static str =
        "`{\"sliding_minutes\": N}`, `{\"calendar\": PERIOD}` or `{\"all\": true}`";

    fn from_value(value: &Value) -> Result<Window, String> {
        let Some(fields) = value.as_object() else {
            return Err(format!(
                "a window is an object, one of {}, not {value}",
                Window::FORMS
            ));
        };
        let mut entries = fields.iter();
        let (Some((kind, v)), None) = (entries.next(), entries.next()) else {
            let given: Vec<String> = fields.keys().map(|k| format!("`{k}`")).collect();
            let given = if given.is_empty() {
                "none".to_string()
            } else {
                given.join(", ")
            };
            return Err(format!(
                "a window has exactly one field, not {given}: write one of {}",
                Window::FORMS
            ));
        };
        match kind.as_str() {
            "sliding_minutes" => v.as_i64().map(Window::SlidingMinutes).ok_or_else(|| {
                format!("`sliding_minutes` must be a 64-bit integer number of minutes, not {v}")
            }),
            "calendar" => {
                let period = match v.as_str() {
                    Some("day") => CalendarPeriod::Day,
                    Some("week") => CalendarPeriod::Week,
                    Some("month") => CalendarPeriod::Month,
                    Some("quarter") => CalendarPeriod::Quarter,
                    Some("year") => CalendarPeriod::Year,
                    _ => {
                        return Err(format!(
                            "unknown calendar period {v}: write `\"day\"`, `\"week\"`, `\"month\"`, `\"quarter\"` or `\"year\"`"
                        ))
                    }
                };
                Ok(Window::Calendar(period))
            }
            "all" => v
                .as_bool()
                .map(Window::All)
                .ok_or_else(|| format!("`all` must be `true`, not {v}")),
            other => Err(format!(
                "unknown window `{other}`: write one of {}",
                Window::FORMS
            )),
        }
    }
}

/// A calendar period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum CalendarPeriod {
    /// Since local midnight.
    Day,
    /// Since Monday, local midnight.
    Week,
    /// Since the first of the month.
    Month,
    /// Since the first of January, April, July or October.
    Quarter,
    /// Since the first of January.
    Year,
}

impl CalendarPeriod {
    /// The period's name in the format.
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarPeriod::Day => "day",
            CalendarPeriod::Week => "week",
            CalendarPeriod::Month => "month",
            CalendarPeriod::Quarter => "quarter",
            CalendarPeriod::Year => "year",
        }
    }
}

/// One decision row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "RowV2"))]
#[serde(deny_unknown_fields)]
pub struct Row {
    /// The rule's name.
    pub rule: String,
    /// The rule's location (not part of the digest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceLocation>,
    /// Permit, forbid or escalate.
    pub effect: Outcome,
    /// The roles it applies to, inheritance expanded.
    pub roles: Vec<String>,
    /// The actions it applies to.
    pub actions: Vec<String>,
    /// Input → constraint; all must hold.
    pub scope: BTreeMap<String, Constraint>,
    /// Relations on customer and context inputs; all must hold.
    pub scope_relations: Vec<Relation>,
    /// Parameter or counter → interval; all must hold (permit rows).
    pub limits: BTreeMap<String, Constraint>,
    /// Relations that read a parameter or a counter; all must hold
    /// (permit rows). A budget is one.
    pub limit_relations: Vec<Relation>,
    /// Obligations when it permits.
    pub obligations: Vec<String>,
    /// Outcomes the rule serves.
    pub aims: Vec<String>,
    /// Roles told after the fact.
    pub notify: Vec<String>,
    /// Where it escalates.
    pub escalation: Option<Escalation>,
}

/// `Σ terms[key] × value(key) <= max`, computed exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Relation {
    /// Input key or counter id → non-zero coefficient.
    pub terms: BTreeMap<String, i64>,
    /// The bound.
    pub max: i64,
}

/// A per-input constraint. Which one it is follows from its fields; a
/// `null` field is an absent one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "ConstraintV2"))]
#[serde(untagged)]
pub enum Constraint {
    /// An inclusive integer interval.
    Interval(Interval),
    /// Enum membership.
    In(InSet),
    /// Boolean equality.
    Eq(BoolEq),
    /// Set contents.
    Set(SetTest),
    /// Whether an optional input is given.
    Present(Presence),
}

/// `{"present": true}` or `{"present": false}`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Presence {
    /// Whether the input must be given (`true`) or absent (`false`).
    pub present: bool,
}

impl<'de> Deserialize<'de> for Constraint {
    /// Reads a constraint by its fields, with an error that says what is
    /// wrong with it (an untagged enum would only say that nothing fit).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let fields = Map::<String, Value>::deserialize(d)?;
        Constraint::from_fields(fields).map_err(serde::de::Error::custom)
    }
}

impl Constraint {
    pub(crate) fn from_fields(fields: Map<String, Value>) -> Result<Constraint, String> {
        fn field<T: serde::de::DeserializeOwned>(
            fields: &Map<String, Value>,
            name: &str,
            expected: &str,
        ) -> Result<Option<T>, String> {
            match fields.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => serde_json::from_value(v.clone())
                    .map(Some)
                    .map_err(|_| format!("`{name}` must be {expected}, not {v}")),
            }
        }
        let only = |allowed: &[&str]| fields.keys().all(|k| allowed.contains(&k.as_str()));
        let one = |name: &str| fields.len() == 1 && fields.contains_key(name);
        let integer = "a 64-bit integer";
        let names = "an array of strings";
        let boolean = "`true` or `false`";
        if only(&["min", "max"]) {
            Ok(Constraint::Interval(Interval {
                min: field(&fields, "min", integer)?,
                max: field(&fields, "max", integer)?,
            }))
        } else if one("in") {
            let values =
                field(&fields, "in", names)?.ok_or("`in` must be an array of strings, not null")?;
            Ok(Constraint::In(InSet { values }))
        } else if one("eq") {
            let eq =
                field(&fields, "eq", boolean)?.ok_or("`eq` must be `true` or `false`, not null")?;
            Ok(Constraint::Eq(BoolEq { eq }))
        } else if one("present") {
            let present = field(&fields, "present", boolean)?
                .ok_or("`present` must be `true` or `false`, not null")?;
            Ok(Constraint::Present(Presence { present }))
        } else if only(&["contains", "excludes"]) {
            Ok(Constraint::Set(SetTest {
                contains: field(&fields, "contains", names)?,
                excludes: field(&fields, "excludes", names)?,
            }))
        } else {
            let given: Vec<String> = fields.keys().map(|k| format!("`{k}`")).collect();
            Err(format!(
                "a constraint has the fields {{min, max}}, {{in}}, {{eq}}, {{present}} or {{contains, excludes}}, not {}",
                given.join(", ")
            ))
        }
    }
}

impl From<v1::Constraint> for Constraint {
    fn from(c: v1::Constraint) -> Self {
        match c {
            v1::Constraint::Interval(i) => Constraint::Interval(i),
            v1::Constraint::In(s) => Constraint::In(s),
            v1::Constraint::Eq(b) => Constraint::Eq(b),
            v1::Constraint::Set(s) => Constraint::Set(s),
        }
    }
}

impl From<v1::Table> for Table {
    /// A format 1 table as format 2: budgets become limit relations
    /// (`counter + param <= max`), a counter's `per` a one-subject list
    /// and its `window_minutes` a sliding window; no timezone (UTC), no
    /// outcomes, no aims, no optional inputs. The `format` stays
    /// `remit.table/1`, so messages can name the format that was read.
    fn from(t: v1::Table) -> Self {
        let per = |p: v1::CounterPer| match p {
            v1::CounterPer::Customer => "customer".to_string(),
            v1::CounterPer::Employee => "employee".to_string(),
        };
        Table {
            format: t.format,
            policy: t.policy,
            digest: t.digest,
            currency: t.currency,
            timezone: "UTC".to_string(),
            default: t.default,
            roles: t.roles,
            actions: t
                .actions
                .into_iter()
                .map(|(name, a)| {
                    let params = a.params.into_iter().map(|(p, ty)| (p, ty.into())).collect();
                    (name, ActionInfo { params })
                })
                .collect(),
            inputs: t
                .inputs
                .into_iter()
                .map(|(key, i)| {
                    let info = InputInfo {
                        ty: i.ty.into(),
                        values: i.values,
                        optional: false,
                    };
                    (key, info)
                })
                .collect(),
            counters: t
                .counters
                .into_iter()
                .map(|(id, c)| {
                    let info = CounterInfo {
                        per: vec![per(c.per)],
                        actions: c.actions,
                        measure: c.measure,
                        window: Window::SlidingMinutes(c.window_minutes),
                    };
                    (id, info)
                })
                .collect(),
            obligations: t.obligations,
            outcomes: BTreeMap::new(),
            rows: t.rows.into_iter().map(Row::from).collect(),
        }
    }
}

impl From<v1::Row> for Row {
    fn from(r: v1::Row) -> Self {
        let constraints = |m: BTreeMap<String, v1::Constraint>| {
            m.into_iter()
                .map(|(k, c)| (k, Constraint::from(c)))
                .collect()
        };
        Row {
            rule: r.rule,
            source: r.source,
            effect: r.effect,
            roles: r.roles,
            actions: r.actions,
            scope: constraints(r.scope),
            scope_relations: Vec::new(),
            limits: constraints(r.limits),
            limit_relations: r.budgets.into_iter().map(Relation::from).collect(),
            obligations: r.obligations,
            aims: Vec::new(),
            notify: r.notify,
            escalation: r.escalation,
        }
    }
}

impl From<v1::Budget> for Relation {
    /// `counter + param <= max`. A budget whose counter and param are one
    /// key (a table the loader then refuses) keeps both as coefficient 2.
    fn from(b: v1::Budget) -> Self {
        let mut terms = BTreeMap::new();
        *terms.entry(b.counter).or_insert(0) += 1;
        *terms.entry(b.param).or_insert(0) += 1;
        Relation { terms, max: b.max }
    }
}

impl Table {
    /// The same table in format 1, when it uses nothing format 1 cannot
    /// say: no relation other than a budget (`counter + param <= max`,
    /// both coefficients 1), counters kept per customer or per employee
    /// over a sliding window, no `key`, `date` or `time` input, no optional
    /// input, no `present` constraint. Time zone, outcomes and aims do not
    /// change a decision and are left out. `None` otherwise.
    pub fn to_format_1(&self) -> Option<v1::Table> {
        let input_type = |t: InputType| -> Option<v1::InputType> {
            Some(match t {
                InputType::Bool => v1::InputType::Bool,
                InputType::Int => v1::InputType::Int,
                InputType::Money => v1::InputType::Money,
                InputType::Duration => v1::InputType::Duration,
                InputType::Enum => v1::InputType::Enum,
                InputType::Set => v1::InputType::Set,
                InputType::Key | InputType::Date | InputType::Time => return None,
            })
        };
        let constraint = |c: &Constraint| -> Option<v1::Constraint> {
            Some(match c {
                Constraint::Interval(i) => v1::Constraint::Interval(*i),
                Constraint::In(s) => v1::Constraint::In(s.clone()),
                Constraint::Eq(b) => v1::Constraint::Eq(*b),
                Constraint::Set(s) => v1::Constraint::Set(s.clone()),
                Constraint::Present(_) => return None,
            })
        };
        let constraints =
            |m: &BTreeMap<String, Constraint>| -> Option<BTreeMap<String, v1::Constraint>> {
                m.iter()
                    .map(|(k, c)| Some((k.clone(), constraint(c)?)))
                    .collect()
            };
        let mut actions = BTreeMap::new();
        for (name, a) in &self.actions {
            let params = a
                .params
                .iter()
                .map(|(p, t)| Some((p.clone(), input_type(*t)?)))
                .collect::<Option<_>>()?;
            actions.insert(name.clone(), v1::ActionInfo { params });
        }
        let mut inputs = BTreeMap::new();
        for (key, i) in &self.inputs {
            if !i.in_format_1() {
                return None;
            }
            let info = v1::InputInfo {
                ty: input_type(i.ty)?,
                values: i.values.clone(),
            };
            inputs.insert(key.clone(), info);
        }
        let mut counters = BTreeMap::new();
        for (id, c) in &self.counters {
            let (per, window_minutes) = c.as_format_1()?;
            let info = v1::CounterInfo {
                per,
                actions: c.actions.clone(),
                measure: c.measure,
                window_minutes,
            };
            counters.insert(id.clone(), info);
        }
        let mut rows = Vec::with_capacity(self.rows.len());
        for r in &self.rows {
            if !r.scope_relations.is_empty() {
                return None;
            }
            let budgets = r
                .limit_relations
                .iter()
                .map(|rel| {
                    let (counter, param) = self.budget_of(rel)?;
                    Some(v1::Budget {
                        counter: counter.clone(),
                        param: param.clone(),
                        max: rel.max,
                    })
                })
                .collect::<Option<_>>()?;
            rows.push(v1::Row {
                rule: r.rule.clone(),
                source: r.source.clone(),
                effect: r.effect,
                roles: r.roles.clone(),
                actions: r.actions.clone(),
                scope: constraints(&r.scope)?,
                limits: constraints(&r.limits)?,
                budgets,
                obligations: r.obligations.clone(),
                notify: r.notify.clone(),
                escalation: r.escalation.clone(),
            });
        }
        Some(v1::Table {
            format: v1::FORMAT.to_string(),
            policy: self.policy.clone(),
            digest: self.digest.clone(),
            currency: self.currency.clone(),
            default: self.default.clone(),
            roles: self.roles.clone(),
            actions,
            inputs,
            counters,
            obligations: self.obligations.clone(),
            rows,
        })
    }
}

impl InputInfo {
    /// Whether format 1 has this input: a required one of a format 1 type.
    pub fn in_format_1(&self) -> bool {
        !self.optional && self.ty.in_format_1()
    }
}

impl CounterInfo {
    /// The counter as format 1 says it (its one subject and its sliding
    /// window in minutes), when it can.
    pub fn as_format_1(&self) -> Option<(v1::CounterPer, i64)> {
        let per = match self.per.as_slice() {
            [p] if p == "customer" => v1::CounterPer::Customer,
            [p] if p == "employee" => v1::CounterPer::Employee,
            _ => return None,
        };
        match self.window {
            Window::SlidingMinutes(minutes) => Some((per, minutes)),
            Window::Calendar(_) | Window::All(_) => None,
        }
    }
}

impl Table {
    /// A relation that is a format 1 budget, `counter + param <= max` with
    /// both coefficients 1: its counter and parameter.
    fn budget_of<'r>(&self, r: &'r Relation) -> Option<(&'r String, &'r String)> {
        let mut terms = r.terms.iter();
        let (Some((a, 1)), Some((b, 1)), None) = (terms.next(), terms.next(), terms.next()) else {
            return None;
        };
        if self.counters.contains_key(a) && b.starts_with("param.") {
            Some((a, b))
        } else if self.counters.contains_key(b) && a.starts_with("param.") {
            Some((b, a))
        } else {
            None
        }
    }

    /// Whether one row says only what format 1 can: no scope relation, no
    /// `present` constraint, limit relations that are budgets, and only
    /// inputs and counters that format 1 has (see [`Table::to_format_1`]).
    pub fn row_fits_format_1(&self, row: &Row) -> bool {
        let input_fits = |k: &String| match self.inputs.get(k) {
            Some(i) => i.in_format_1(),
            None => self
                .counters
                .get(k)
                .is_some_and(|c| c.as_format_1().is_some()),
        };
        row.scope_relations.is_empty()
            && row
                .limit_relations
                .iter()
                .all(|r| self.budget_of(r).is_some() && r.terms.keys().all(input_fits))
            && row
                .scope
                .iter()
                .chain(row.limits.iter())
                .all(|(k, c)| !matches!(c, Constraint::Present(_)) && input_fits(k))
    }
}
