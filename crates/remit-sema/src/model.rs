//! The checked policy: every name resolved, every literal in integer units.
//!
//! This is what lowering, analysis, the language server and `remit doc`
//! read. Typed ids ([`RoleId`], [`ActionId`], …, see [`crate::id`]) point
//! into the [`IndexVec`]s of [`Model`]; names are kept alongside for
//! messages.

pub use crate::id::{
    ActionId, ContextAttrId, CustomerAttrId, EnumId, Id, IndexVec, ObligationId, OutcomeId,
    ParamId, RoleId, RuleId, SegmentId, SituationId, TestId, VariantId,
};
use remit_diagnostics::{Lint, Span};
use remit_syntax::ast::{CmpOp, EffectKind, Per};
use std::collections::BTreeSet;

/// A value type (LANGUAGE.md §3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    /// `Bool`
    Bool,
    /// `Int`
    Int,
    /// `Money`, in minor units.
    Money,
    /// `Duration`, in minutes.
    Duration,
    /// An enum, by name.
    Enum(String),
    /// `Set<Enum>`
    Set(String),
    /// `Key`: an opaque identifier that counters are kept by.
    Key,
    /// `Date`, in days since 1970-01-01.
    Date,
    /// `Time`, in minutes since midnight.
    Time,
}

impl Type {
    /// Whether values are integers compared with `<`, `<=`, ….
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Type::Int | Type::Money | Type::Duration | Type::Date | Type::Time
        )
    }
}

impl std::fmt::Display for Type {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Type::Bool => f.write_str("Bool"),
            Type::Int => f.write_str("Int"),
            Type::Money => f.write_str("Money"),
            Type::Duration => f.write_str("Duration"),
            Type::Enum(e) => f.write_str(e),
            Type::Set(e) => write!(f, "Set<{e}>"),
            Type::Key => f.write_str("Key"),
            Type::Date => f.write_str("Date"),
            Type::Time => f.write_str("Time"),
        }
    }
}

/// The policy's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency {
    /// ISO 4217 code, e.g. `USD`.
    pub code: String,
    /// Minor-unit digits (2 for USD, 0 for JPY).
    pub scale: u32,
    /// Where it is declared.
    pub span: Span,
}

/// A declared enum.
#[derive(Debug, Clone)]
pub struct EnumDef {
    /// Its name.
    pub name: String,
    /// Where the name is.
    pub span: Span,
    /// Variants with their spans, in declaration order.
    pub variants: IndexVec<VariantId, (String, Span)>,
    /// Doc comment.
    pub doc: Option<String>,
}

/// A customer or context attribute, or an action parameter.
#[derive(Debug, Clone)]
pub struct AttrDef {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// Whether a request may omit it (`Type?`, LANGUAGE.md §8.3).
    pub optional: bool,
    /// Where the name is.
    pub span: Span,
    /// Doc comment (staff documentation uses its first line as the
    /// attribute's label).
    pub doc: Option<String>,
}

/// A declared role.
#[derive(Debug, Clone)]
pub struct RoleDef {
    /// Its name.
    pub name: String,
    /// Where the name is.
    pub span: Span,
    /// The roles it extends directly.
    pub extends: Vec<RoleId>,
    /// All ancestors, transitively (never itself, even in a cycle).
    pub ancestors: BTreeSet<RoleId>,
    /// Doc comment.
    pub doc: Option<String>,
}

/// A declared action.
#[derive(Debug, Clone)]
pub struct ActionDef {
    /// Its name.
    pub name: String,
    /// Where the name is.
    pub span: Span,
    /// Its parameters.
    pub params: IndexVec<ParamId, AttrDef>,
    /// Doc comment.
    pub doc: Option<String>,
}

impl ActionDef {
    /// The parameter with this name.
    pub fn param(&self, name: &str) -> Option<&AttrDef> {
        self.params.iter().find(|p| p.name == name)
    }

    /// The one `Money` parameter, if there is exactly one.
    pub fn money_param(&self) -> Option<&AttrDef> {
        let mut money = self.params.iter().filter(|p| p.ty == Type::Money);
        match (money.next(), money.next()) {
            (Some(p), None) => Some(p),
            _ => None,
        }
    }
}

/// A declared obligation.
#[derive(Debug, Clone)]
pub struct ObligationDef {
    /// Its name.
    pub name: String,
    /// Where the name is.
    pub span: Span,
    /// Its description (`""` when none).
    pub description: String,
    /// Doc comment.
    pub doc: Option<String>,
}

/// A declared outcome (LANGUAGE.md §8.5).
#[derive(Debug, Clone)]
pub struct OutcomeDef {
    /// Its name.
    pub name: String,
    /// Where the name is.
    pub span: Span,
    /// What the organisation wants (`""` when none).
    pub description: String,
    /// Doc comment.
    pub doc: Option<String>,
}

/// A segment or situation.
#[derive(Debug, Clone)]
pub struct DefinitionDef {
    /// Its name.
    pub name: String,
    /// Where the name is.
    pub span: Span,
    /// The checked condition (`Cond::False` when it did not check).
    pub cond: Cond,
    /// Doc comment.
    pub doc: Option<String>,
}

/// A segment or a situation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DefinitionId {
    /// A segment.
    Segment(SegmentId),
    /// A situation.
    Situation(SituationId),
}

/// Where an input comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InputKind {
    /// `customer.*`
    Customer,
    /// `context.*`
    Context,
    /// An action parameter.
    Param,
}

/// An input a condition reads.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Input {
    /// Customer, context or parameter.
    pub kind: InputKind,
    /// The attribute or parameter name.
    pub name: String,
}

impl Input {
    /// The table key: `customer.tier`, `context.wait`, `param.amount`.
    pub fn key(&self) -> String {
        let prefix = match self.kind {
            InputKind::Customer => "customer",
            InputKind::Context => "context",
            InputKind::Param => "param",
        };
        format!("{prefix}.{}", self.name)
    }

    /// How the author writes it: `customer.tier`, `context.wait`, `amount`.
    pub fn source_name(&self) -> String {
        match self.kind {
            InputKind::Param => self.name.clone(),
            _ => self.key(),
        }
    }
}

/// A checked condition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Cond {
    /// Always holds.
    True,
    /// Never holds.
    False,
    /// All hold.
    And(Vec<Cond>),
    /// One holds.
    Or(Vec<Cond>),
    /// Does not hold.
    Not(Box<Cond>),
    /// `input OP value` on Int, Money (minor units) or Duration (minutes).
    Num {
        /// The input.
        input: Input,
        /// The operator.
        op: CmpOp,
        /// The constant.
        value: i64,
    },
    /// A Bool input equals a value.
    Bool {
        /// The input.
        input: Input,
        /// The value.
        value: bool,
    },
    /// An enum input is one of the variants.
    In {
        /// The input.
        input: Input,
        /// The variants.
        variants: BTreeSet<String>,
    },
    /// A set input contains the variant.
    Contains {
        /// The input.
        input: Input,
        /// The variant.
        variant: String,
    },
    /// An optional input is given (`has x`).
    Present {
        /// The input.
        input: Input,
    },
    /// `Σ coefficient × input <= max` over two or more inputs, in table
    /// units (LANGUAGE.md §8.1), coefficients reduced.
    Linear {
        /// Input → non-zero coefficient, sorted by input.
        terms: Vec<(Input, i64)>,
        /// The bound.
        max: i64,
    },
    /// A segment.
    Segment(SegmentId),
    /// A situation.
    Situation(SituationId),
}

/// `limit PARAM <= VALUE`, normalised to an inclusive maximum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cap {
    /// The parameter.
    pub param: String,
    /// Inclusive maximum.
    pub max: i64,
    /// The clause.
    pub span: Span,
}

/// Whom a counter is kept for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    /// `per customer`
    Customer,
    /// `per employee`
    Employee,
    /// `per context.K`, a `Key` attribute.
    Key(String),
}

impl Subject {
    /// The subject as the table spells it: `customer`, `employee`,
    /// `context.incident`.
    pub fn key(&self) -> String {
        match self {
            Subject::Customer => "customer".to_string(),
            Subject::Employee => "employee".to_string(),
            Subject::Key(k) => format!("context.{k}"),
        }
    }
}

/// A calendar period of a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// `calendar day`
    Day,
    /// `calendar week` (from Monday)
    Week,
    /// `calendar month`
    Month,
    /// `calendar quarter`
    Quarter,
    /// `calendar year`
    Year,
}

impl Period {
    /// `day`, `week`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
            Period::Quarter => "quarter",
            Period::Year => "year",
        }
    }

    /// Every period, in order of length.
    pub const ALL: [Period; 5] = [
        Period::Day,
        Period::Week,
        Period::Month,
        Period::Quarter,
        Period::Year,
    ];
}

/// Which past uses a counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WindowDef {
    /// The last N minutes.
    Sliding(i64),
    /// Since the start of the current calendar period.
    Calendar(Period),
    /// Every use ever.
    All,
}

impl WindowDef {
    /// The window in minutes, when it is a sliding one.
    pub fn sliding_minutes(self) -> Option<i64> {
        match self {
            WindowDef::Sliding(m) => Some(m),
            WindowDef::Calendar(_) | WindowDef::All => None,
        }
    }
}

/// `limit N per SUBJECT… (per WINDOW)?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountLimit {
    /// Counted for whom, together, as written.
    pub subjects: Vec<Subject>,
    /// At most this many uses in the window, the request included.
    pub count: i64,
    /// The window.
    pub window: WindowDef,
    /// The clause.
    pub span: Span,
}

impl CountLimit {
    /// The version 1 reading: one subject, customer or employee, and a
    /// sliding window.
    pub fn per(&self) -> Option<Per> {
        match self.subjects.as_slice() {
            [Subject::Customer] => Some(Per::Customer),
            [Subject::Employee] => Some(Per::Employee),
            _ => None,
        }
    }
}

/// `limit total AMOUNT per SUBJECT… (per WINDOW)?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotalLimit {
    /// Counted for whom, together, as written.
    pub subjects: Vec<Subject>,
    /// The budget in minor units, the request included.
    pub amount: i64,
    /// The window.
    pub window: WindowDef,
    /// The clause.
    pub span: Span,
}

/// A checked rule.
#[derive(Debug, Clone)]
pub struct RuleDef {
    /// Its name.
    pub name: String,
    /// Where the name is.
    pub name_span: Span,
    /// The whole item.
    pub span: Span,
    /// Doc comment.
    pub doc: Option<String>,
    /// Permit, forbid or escalate.
    pub effect: EffectKind,
    /// The effect line.
    pub effect_span: Span,
    /// The roles it names (all roles for `any`).
    pub roles: Vec<RoleId>,
    /// Whether it says `any` role.
    pub any_role: bool,
    /// The actions it names (all actions for `any`).
    pub actions: Vec<ActionId>,
    /// For escalate rules: the target.
    pub target: Option<RoleId>,
    /// The `for` clause: `None` when absent, `Some(Cond::True)` for
    /// `for any customer`.
    pub customers: Option<Cond>,
    /// The `for` clause's span.
    pub for_span: Option<Span>,
    /// The `when` clause.
    pub when: Option<Cond>,
    /// Parameter caps.
    pub caps: Vec<Cap>,
    /// Count limits.
    pub counts: Vec<CountLimit>,
    /// Money budgets.
    pub totals: Vec<TotalLimit>,
    /// Relational caps (`limit amount <= 20% of context.bill_total`), each
    /// a condition on parameters and inputs that decides between permit
    /// and `otherwise`.
    pub relations: Vec<Cond>,
    /// Outcomes the rule `aims` at.
    pub aims: Vec<OutcomeId>,
    /// `require`d obligations.
    pub require: Vec<ObligationId>,
    /// Roles to `notify`.
    pub notify: Vec<RoleId>,
    /// `otherwise escalate to`.
    pub otherwise: Option<RoleId>,
    /// Where the last clause ends, for inserting clauses (before `}`).
    pub body_end: Span,
    /// Lints silenced by `@allow`.
    pub allow: Vec<Lint>,
    /// Whether the rule checked without errors (only such rules lower).
    pub ok: bool,
}

/// A value in a test request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestValue {
    /// Int, Money (minor units), Duration (minutes), Date (days since
    /// 1970-01-01) or Time (minutes since midnight).
    Int(i64),
    /// A `Key`.
    Key(String),
    /// Bool.
    Bool(bool),
    /// An enum variant.
    Variant(String),
    /// A set of variants.
    Set(Vec<String>),
}

/// One past use in a test's `history`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastUse {
    /// The action used.
    pub action: ActionId,
    /// The money amount, in minor units.
    pub amount: Option<i64>,
    /// How long ago, in minutes.
    pub minutes_ago: i64,
    /// The keys it was recorded under (`for { incident: "INC-7" }`):
    /// context attribute name → value.
    pub keys: Vec<(String, String)>,
}

/// What a test expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// `expect permit`, with the exact obligations when `requiring` is given.
    Permit(Option<BTreeSet<String>>),
    /// `expect deny`
    Deny,
    /// `expect escalate to R`
    Escalate(String),
}

/// A checked `test` item.
#[derive(Debug, Clone)]
pub struct TestDef {
    /// Its name.
    pub name: String,
    /// The whole item.
    pub span: Span,
    /// The acting role.
    pub role: RoleId,
    /// The action.
    pub action: ActionId,
    /// Parameter values.
    pub params: Vec<(String, TestValue)>,
    /// Customer attributes.
    pub customer: Vec<(String, TestValue)>,
    /// Context attributes.
    pub context: Vec<(String, TestValue)>,
    /// Past uses.
    pub history: Vec<PastUse>,
    /// `at DATE TIME`: the test's instant, in seconds since 1970-01-01 UTC.
    pub at: Option<i64>,
    /// The expectation.
    pub expect: Expected,
}

/// What a name in the source refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Symbol {
    /// An enum.
    Enum(EnumId),
    /// A variant of an enum.
    Variant(EnumId, VariantId),
    /// A customer attribute.
    CustomerAttr(CustomerAttrId),
    /// A context attribute.
    ContextAttr(ContextAttrId),
    /// A role.
    Role(RoleId),
    /// An action.
    Action(ActionId),
    /// A parameter of an action.
    Param(ActionId, ParamId),
    /// An obligation.
    Obligation(ObligationId),
    /// A segment.
    Segment(SegmentId),
    /// A situation.
    Situation(SituationId),
    /// A rule.
    Rule(RuleId),
    /// An outcome.
    Outcome(OutcomeId),
}

/// One occurrence of a name: its declaration or a use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    /// Where the name is written.
    pub span: Span,
    /// What it refers to.
    pub symbol: Symbol,
    /// Whether this is the declaration.
    pub declaration: bool,
}

/// A checked policy.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// The policy's name (header, or the directory's name).
    pub name: String,
    /// Its version.
    pub version: Option<String>,
    /// Doc comment of the header.
    pub doc: Option<String>,
    /// The currency, if declared.
    pub currency: Option<Currency>,
    /// Enums.
    pub enums: IndexVec<EnumId, EnumDef>,
    /// Customer attributes.
    pub customer: IndexVec<CustomerAttrId, AttrDef>,
    /// Context attributes.
    pub context: IndexVec<ContextAttrId, AttrDef>,
    /// Roles.
    pub roles: IndexVec<RoleId, RoleDef>,
    /// Actions.
    pub actions: IndexVec<ActionId, ActionDef>,
    /// Obligations.
    pub obligations: IndexVec<ObligationId, ObligationDef>,
    /// Segments.
    pub segments: IndexVec<SegmentId, DefinitionDef>,
    /// Situations.
    pub situations: IndexVec<SituationId, DefinitionDef>,
    /// Rules.
    pub rules: IndexVec<RuleId, RuleDef>,
    /// Tests.
    pub tests: IndexVec<TestId, TestDef>,
    /// Outcomes.
    pub outcomes: IndexVec<OutcomeId, OutcomeDef>,
    /// The IANA time zone of calendar windows, when declared.
    pub timezone: Option<(String, Span)>,
    /// Lints raised to error by `@deny` on the header.
    pub deny: Vec<Lint>,
    /// Every name occurrence, declarations included.
    pub references: Vec<Reference>,
}

impl Model {
    /// The role with this name.
    pub fn role(&self, name: &str) -> Option<RoleId> {
        self.roles.position(|r| r.name == name)
    }

    /// The action with this name.
    pub fn action(&self, name: &str) -> Option<ActionId> {
        self.actions.position(|a| a.name == name)
    }

    /// The segment or situation with this id.
    pub fn definition(&self, id: DefinitionId) -> Option<&DefinitionDef> {
        match id {
            DefinitionId::Segment(i) => self.segments.get(i),
            DefinitionId::Situation(i) => self.situations.get(i),
        }
    }

    /// The enum with this name.
    pub fn enum_def(&self, name: &str) -> Option<&EnumDef> {
        self.enums.iter().find(|e| e.name == name)
    }

    /// The roles that inherit from `role` (not itself).
    pub fn descendants(&self, role: RoleId) -> BTreeSet<RoleId> {
        self.roles
            .iter_enumerated()
            .filter(|(_, r)| r.ancestors.contains(&role))
            .map(|(id, _)| id)
            .collect()
    }

    /// The type of an input, if declared.
    pub fn input_type(&self, input: &Input, actions: &[ActionId]) -> Option<Type> {
        match input.kind {
            InputKind::Customer => self
                .customer
                .iter()
                .find(|a| a.name == input.name)
                .map(|a| a.ty.clone()),
            InputKind::Context => self
                .context
                .iter()
                .find(|a| a.name == input.name)
                .map(|a| a.ty.clone()),
            InputKind::Param => actions
                .iter()
                .find_map(|a| self.actions.get(*a).and_then(|a| a.param(&input.name)))
                .map(|p| p.ty.clone()),
        }
    }

    /// The declaration span of a symbol.
    pub fn declaration(&self, symbol: Symbol) -> Option<Span> {
        Some(match symbol {
            Symbol::Enum(i) => self.enums.get(i)?.span,
            Symbol::Variant(e, v) => self.enums.get(e)?.variants.get(v)?.1,
            Symbol::CustomerAttr(i) => self.customer.get(i)?.span,
            Symbol::ContextAttr(i) => self.context.get(i)?.span,
            Symbol::Role(i) => self.roles.get(i)?.span,
            Symbol::Action(i) => self.actions.get(i)?.span,
            Symbol::Param(a, p) => self.actions.get(a)?.params.get(p)?.span,
            Symbol::Obligation(i) => self.obligations.get(i)?.span,
            Symbol::Segment(i) => self.segments.get(i)?.span,
            Symbol::Situation(i) => self.situations.get(i)?.span,
            Symbol::Rule(i) => self.rules.get(i)?.name_span,
            Symbol::Outcome(i) => self.outcomes.get(i)?.span,
        })
    }

    /// The name of a symbol.
    pub fn symbol_name(&self, symbol: Symbol) -> Option<&str> {
        Some(match symbol {
            Symbol::Enum(i) => &self.enums.get(i)?.name,
            Symbol::Variant(e, v) => &self.enums.get(e)?.variants.get(v)?.0,
            Symbol::CustomerAttr(i) => &self.customer.get(i)?.name,
            Symbol::ContextAttr(i) => &self.context.get(i)?.name,
            Symbol::Role(i) => &self.roles.get(i)?.name,
            Symbol::Action(i) => &self.actions.get(i)?.name,
            Symbol::Param(a, p) => &self.actions.get(a)?.params.get(p)?.name,
            Symbol::Obligation(i) => &self.obligations.get(i)?.name,
            Symbol::Segment(i) => &self.segments.get(i)?.name,
            Symbol::Situation(i) => &self.situations.get(i)?.name,
            Symbol::Rule(i) => &self.rules.get(i)?.name,
            Symbol::Outcome(i) => &self.outcomes.get(i)?.name,
        })
    }
}
