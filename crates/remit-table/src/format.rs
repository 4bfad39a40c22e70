//! The table's data types for `remit.table/1` (docs/table-format.md), the
//! format that `remit build` writes today; [`crate::v2`] has format 2.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The format of these types.
pub const FORMAT: &str = "remit.table/1";

/// A compiled decision table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Always `remit.table/1`.
    pub format: String,
    /// The policy's name and version.
    pub policy: PolicyInfo,
    /// `sha256:` + hex digest of the canonical body.
    pub digest: String,
    /// The currency, when the policy uses money.
    pub currency: Option<CurrencyInfo>,
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
    /// The rows, by rule name, then row.
    pub rows: Vec<Row>,
}

/// The policy's name and version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PolicyInfo {
    /// The name.
    pub name: String,
    /// The version string.
    pub version: Option<String>,
}

/// The currency and its minor-unit digits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CurrencyInfo {
    /// ISO 4217 code.
    pub code: String,
    /// Minor-unit digits.
    pub scale: u32,
}

/// The default decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DefaultDecision {
    /// Always `deny` in version 1.
    pub effect: Outcome,
}

/// An action's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ActionInfo {
    /// Parameter name → type.
    pub params: BTreeMap<String, InputType>,
}

/// The type of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
}

impl InputType {
    /// Whether values are integers.
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            InputType::Int | InputType::Money | InputType::Duration
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
        }
    }
}

/// An input's type and, for enums and sets, its variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct InputInfo {
    /// The type.
    #[serde(rename = "type")]
    pub ty: InputType,
    /// The variants (enums and sets only), sorted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// Who a counter counts uses for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum CounterPer {
    /// Uses for this customer.
    Customer,
    /// Uses by this employee.
    Employee,
}

/// What a counter measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    /// The number of uses.
    Count,
    /// The sum of the actions' money parameter.
    Sum,
}

/// A usage counter the caller supplies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CounterInfo {
    /// Customer or employee.
    pub per: CounterPer,
    /// The actions counted together.
    pub actions: Vec<String>,
    /// Count or sum.
    pub measure: Measure,
    /// The sliding window, in minutes.
    pub window_minutes: i64,
}

/// A decision or a row's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Allowed.
    Permit,
    /// Not allowed.
    Deny,
    /// A hard stop (rows only).
    Forbid,
    /// Goes to another role.
    Escalate,
}

impl Outcome {
    /// The outcome's name in the format.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Permit => "permit",
            Outcome::Deny => "deny",
            Outcome::Forbid => "forbid",
            Outcome::Escalate => "escalate",
        }
    }
}

/// Where a row's rule is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SourceLocation {
    /// File name, relative to the policy directory.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// One decision row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// Parameter or counter → interval; all must hold (permit rows).
    pub limits: BTreeMap<String, Constraint>,
    /// Budgets (permit rows).
    pub budgets: Vec<Budget>,
    /// Obligations when it permits.
    pub obligations: Vec<String>,
    /// Roles told after the fact.
    pub notify: Vec<String>,
    /// Where it escalates.
    pub escalation: Option<Escalation>,
}

/// `usage[counter] + params[param] <= max`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// The sum counter.
    pub counter: String,
    /// The money parameter (`param.amount`).
    pub param: String,
    /// The budget, minor units.
    pub max: i64,
}

/// An escalation target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// The target role.
    pub to: String,
    /// Acting roles for which it does not apply.
    pub except_roles: Vec<String>,
}

/// A per-input constraint. Which one it is follows from its fields; a
/// `null` field is an absent one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// Format 2's reading of the fields, without `present`.
    fn from_fields(fields: Map<String, Value>) -> Result<Constraint, String> {
        match crate::v2::Constraint::from_fields(fields)? {
            crate::v2::Constraint::Interval(i) => Ok(Constraint::Interval(i)),
            crate::v2::Constraint::In(s) => Ok(Constraint::In(s)),
            crate::v2::Constraint::Eq(b) => Ok(Constraint::Eq(b)),
            crate::v2::Constraint::Set(s) => Ok(Constraint::Set(s)),
            crate::v2::Constraint::Present(_) => Err(format!(
                "`present` is a `{}` constraint: `{FORMAT}` has no optional inputs",
                crate::v2::FORMAT
            )),
        }
    }
}

/// `{"min": a, "max": b}`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Interval {
    /// Inclusive lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    /// Inclusive upper bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

impl Interval {
    /// Whether `v` lies inside.
    pub fn holds(&self, v: i64) -> bool {
        self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m)
    }
}

/// `{"in": [...]}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct InSet {
    /// The allowed variants.
    #[serde(rename = "in")]
    pub values: Vec<String>,
}

/// `{"eq": true}`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BoolEq {
    /// The required value.
    pub eq: bool,
}

/// `{"contains": [...], "excludes": [...]}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SetTest {
    /// Variants the set must hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<Vec<String>>,
    /// Variants the set must not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excludes: Option<Vec<String>>,
}
