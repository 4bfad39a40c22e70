//! The typed syntax tree. Every node carries its byte [`Span`].
//!
//! The tree is what the author wrote, nothing resolved: names are
//! [`Ident`]s, numbers keep their source text, units are identifiers. The
//! checker (`remit-sema`) gives them meaning.

use remit_diagnostics::Span;

/// A name as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    /// The text.
    pub name: String,
    /// Where.
    pub span: Span,
}

/// A string literal, unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringLit {
    /// The value, with escapes resolved.
    pub value: String,
    /// Where, quotes included.
    pub span: Span,
}

/// A number as written (`42`, `1_000`, `49.99`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberLit {
    /// The source text.
    pub raw: String,
    /// Where.
    pub span: Span,
}

impl NumberLit {
    /// The text without `_` separators.
    pub fn digits(&self) -> String {
        self.raw.replace('_', "")
    }

    /// Whether it has a decimal point.
    pub fn is_decimal(&self) -> bool {
        self.raw.contains('.')
    }
}

/// A number with an optional unit (`30 minutes`, `100 USD`, `2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    /// The number.
    pub number: NumberLit,
    /// The unit, if any.
    pub unit: Option<Ident>,
    /// Where, unit included.
    pub span: Span,
}

/// A comment kept by the lexer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// `//` or `///`.
    pub kind: CommentKind,
    /// The full text, slashes included.
    pub text: String,
    /// Where.
    pub span: Span,
}

/// The two kinds of comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentKind {
    /// `// …`
    Line,
    /// `/// …`: documents the next item.
    Doc,
}

/// A parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// The items in source order.
    pub items: Vec<Item>,
    /// Every comment in source order.
    pub comments: Vec<Comment>,
}

/// A top-level item with its doc comment and annotations.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// What it is.
    pub kind: ItemKind,
    /// Where, annotations included, doc comment excluded.
    pub span: Span,
    /// The `///` lines right before it, joined, without the slashes.
    pub doc: Option<String>,
    /// `@allow(…)` / `@deny(…)` before it.
    pub annotations: Vec<Annotation>,
}

/// The kinds of item.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    /// `policy NAME version "…"`
    Policy(PolicyHeader),
    /// `currency CODE`
    Currency(Ident),
    /// `enum Name { a, b }`
    Enum(EnumDecl),
    /// `customer { … }`
    Customer(Schema),
    /// `context { … }`
    Context(Schema),
    /// `role name extends a, b`
    Role(RoleDecl),
    /// `action name(param: Type, …)`
    Action(ActionDecl),
    /// `obligation name "description"`
    Obligation(ObligationDecl),
    /// `segment name = expr`
    Segment(Definition),
    /// `situation name = expr`
    Situation(Definition),
    /// `rule name { … }`
    Rule(Rule),
    /// `test "name" { … }`
    Test(Test),
    /// `timezone "Europe/London"`
    Timezone(StringLit),
    /// `outcome name "description"`
    Outcome(OutcomeDecl),
    /// An item that did not parse; its errors were reported.
    Error,
}

impl ItemKind {
    /// The keyword that introduces the item, for messages.
    pub fn keyword(&self) -> &'static str {
        match self {
            ItemKind::Policy(_) => "policy",
            ItemKind::Currency(_) => "currency",
            ItemKind::Enum(_) => "enum",
            ItemKind::Customer(_) => "customer",
            ItemKind::Context(_) => "context",
            ItemKind::Role(_) => "role",
            ItemKind::Action(_) => "action",
            ItemKind::Obligation(_) => "obligation",
            ItemKind::Segment(_) => "segment",
            ItemKind::Situation(_) => "situation",
            ItemKind::Rule(_) => "rule",
            ItemKind::Test(_) => "test",
            ItemKind::Timezone(_) => "timezone",
            ItemKind::Outcome(_) => "outcome",
            ItemKind::Error => "item",
        }
    }
}

/// `@allow(a, b)` or `@deny(a)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// `allow`, `deny`, or whatever was written (checked later).
    pub name: Ident,
    /// The lint names.
    pub lints: Vec<Ident>,
    /// Where, `@` to `)`.
    pub span: Span,
}

/// `policy NAME (version "…")?`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyHeader {
    /// The policy's name.
    pub name: Ident,
    /// Its version string.
    pub version: Option<StringLit>,
}

/// `enum Name { a, b, c }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumDecl {
    /// The enum's name.
    pub name: Ident,
    /// Its variants, in order.
    pub variants: Vec<Ident>,
}

/// The body of `customer { … }` or `context { … }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// The attributes.
    pub fields: Vec<Field>,
}

/// `name: Type`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The attribute or parameter name.
    pub name: Ident,
    /// Its type.
    pub ty: TypeExpr,
    /// The `?` that makes it optional (LANGUAGE.md §8.3), if written.
    pub optional: Option<Span>,
    /// The `///` lines right before it, joined, without the slashes.
    pub doc: Option<String>,
}

/// A type as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeExpr {
    /// `Bool`, `Int`, `Money`, `Duration` or an enum name.
    Named(Ident),
    /// `Set<Enum>`; the first ident is `Set` as written.
    Set {
        /// The `Set` keyword-like name.
        set: Ident,
        /// The element type.
        element: Ident,
        /// Where, `Set` to `>`.
        span: Span,
    },
}

impl TypeExpr {
    /// Where the type is written.
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(i) => i.span,
            TypeExpr::Set { span, .. } => *span,
        }
    }
}

/// `role name (extends a, b)?`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDecl {
    /// The role's name.
    pub name: Ident,
    /// The roles it extends.
    pub extends: Vec<Ident>,
}

/// `action name ((param: Type, …))?`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionDecl {
    /// The action's name.
    pub name: Ident,
    /// Its parameters.
    pub params: Vec<Field>,
}

/// `obligation name "description"?`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObligationDecl {
    /// The obligation's name.
    pub name: Ident,
    /// What the employee must do.
    pub description: Option<StringLit>,
}

/// `outcome name "description"?`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeDecl {
    /// The outcome's name.
    pub name: Ident,
    /// What the organisation wants to happen.
    pub description: Option<StringLit>,
}

/// `segment name = expr` / `situation name = expr`
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// The name being defined.
    pub name: Ident,
    /// The condition.
    pub expr: Expr,
}

/// `rule name { effect clause* }`
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The rule's name.
    pub name: Ident,
    /// What it does.
    pub effect: Effect,
    /// Its clauses, in source order.
    pub clauses: Vec<Clause>,
}

/// The kinds of effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EffectKind {
    /// `permit ROLES to ACTIONS`
    Permit,
    /// `forbid ROLES to ACTIONS`
    Forbid,
    /// `escalate ACTIONS from ROLES to ROLE`
    Escalate,
}

impl EffectKind {
    /// `permit`, `forbid` or `escalate`.
    pub fn as_str(self) -> &'static str {
        match self {
            EffectKind::Permit => "permit",
            EffectKind::Forbid => "forbid",
            EffectKind::Escalate => "escalate",
        }
    }
}

/// A rule's effect line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    /// Permit, forbid or escalate.
    pub kind: EffectKind,
    /// The effect keyword's span.
    pub keyword: Span,
    /// The roles.
    pub roles: Names,
    /// The actions.
    pub actions: Names,
    /// For `escalate … to ROLE`: the target.
    pub target: Option<Ident>,
    /// The whole effect line.
    pub span: Span,
}

/// A comma-separated list of names, or `any`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Names {
    /// `any`
    Any(Span),
    /// `a, b, c`
    List(Vec<Ident>),
}

impl Names {
    /// Where the list is written.
    pub fn span(&self) -> Span {
        match self {
            Names::Any(s) => *s,
            Names::List(v) => match (v.first(), v.last()) {
                (Some(a), Some(b)) => a.span.to(b.span),
                _ => Span::default(),
            },
        }
    }
}

/// One clause of a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    /// What it says.
    pub kind: ClauseKind,
    /// Where, keyword included.
    pub span: Span,
}

/// Who counts uses for a count limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Per {
    /// `per customer`
    Customer,
    /// `per employee`
    Employee,
}

impl Per {
    /// `customer` or `employee`.
    pub fn as_str(self) -> &'static str {
        match self {
            Per::Customer => "customer",
            Per::Employee => "employee",
        }
    }
}

/// Whom a count or total is kept for (LANGUAGE.md §8.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// `per customer`
    Customer(Span),
    /// `per employee`
    Employee(Span),
    /// `per context.K` for a `Key` attribute K.
    Key(Path),
}

impl Subject {
    /// Where.
    pub fn span(&self) -> Span {
        match self {
            Subject::Customer(s) | Subject::Employee(s) => *s,
            Subject::Key(p) => p.span,
        }
    }
}

/// Which past uses a count or total counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Window {
    /// `per 30 days`: a sliding window.
    Sliding(Quantity),
    /// `per calendar month`: since the start of the current period.
    Calendar {
        /// The `calendar` keyword.
        keyword: Span,
        /// `day`, `week`, `month`, `quarter` or `year` as written.
        period: Ident,
    },
}

impl Window {
    /// Where.
    pub fn span(&self) -> Span {
        match self {
            Window::Sliding(q) => q.span,
            Window::Calendar { keyword, period } => keyword.to(period.span),
        }
    }
}

/// `<=` or `<` in a cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapOp {
    /// `<=`
    Le,
    /// `<`
    Lt,
}

/// The kinds of clause.
#[derive(Debug, Clone, PartialEq)]
pub enum ClauseKind {
    /// `for any customer`
    ForAnyCustomer,
    /// `for EXPR`
    For(Expr),
    /// `when EXPR`
    When(Expr),
    /// `limit PARAM <= VALUE`
    Cap {
        /// The parameter.
        param: Ident,
        /// `<=` or `<`.
        op: CapOp,
        /// The bound.
        value: Quantity,
    },
    /// `limit PARAM <= EXPR` with a quantity expression that is not a
    /// plain literal: a relational cap (LANGUAGE.md §8.1).
    RelCap {
        /// The parameter.
        param: Ident,
        /// `<=` or `<`.
        op: CapOp,
        /// The bound.
        bound: Sum,
    },
    /// `limit N per SUBJECT… (per WINDOW)?`
    Count {
        /// How many uses.
        count: NumberLit,
        /// Counted for whom, together, as written.
        subjects: Vec<Subject>,
        /// The window; `None` counts every use ever.
        window: Option<Window>,
    },
    /// `limit total MONEY per SUBJECT… (per WINDOW)?`
    Total {
        /// The budget.
        amount: Quantity,
        /// Counted for whom, together, as written.
        subjects: Vec<Subject>,
        /// The window; `None` counts every use ever.
        window: Option<Window>,
    },
    /// `aims OUTCOME, …`
    Aims(Vec<Ident>),
    /// `require a, b`
    Require(Vec<Ident>),
    /// `notify a, b`
    Notify(Vec<Ident>),
    /// `otherwise escalate to ROLE`
    Otherwise(Ident),
    /// A clause that did not parse; its error was reported.
    Error,
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where.
    pub span: Span,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The comparison that holds exactly when this one does not.
    pub fn negated(self) -> CmpOp {
        match self {
            CmpOp::Eq => CmpOp::Ne,
            CmpOp::Ne => CmpOp::Eq,
            CmpOp::Lt => CmpOp::Ge,
            CmpOp::Le => CmpOp::Gt,
            CmpOp::Gt => CmpOp::Le,
            CmpOp::Ge => CmpOp::Lt,
        }
    }

    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// The operator with its operands swapped (`a < b` is `b > a`).
    pub fn flip(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    }
}

/// The kinds of expression. `and`/`or` chains are flat lists, so a long
/// chain is wide, not deep.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `a or b or c`
    Or(Vec<Expr>),
    /// `a and b and c`
    And(Vec<Expr>),
    /// `not a`
    Not(Box<Expr>),
    /// `( a )`, kept so the formatter keeps the author's grouping.
    Paren(Box<Expr>),
    /// `lhs OP rhs`
    Compare {
        /// Left side.
        lhs: Operand,
        /// The operator.
        op: CmpOp,
        /// The operator's span.
        op_span: Span,
        /// Right side.
        rhs: Operand,
    },
    /// `x in {a, b}` / `x not in {a, b}`
    In {
        /// What is tested.
        lhs: Operand,
        /// `not in`.
        negated: bool,
        /// The variants.
        set: SetLit,
    },
    /// `set contains v`
    Contains {
        /// The set.
        lhs: Operand,
        /// The element.
        value: Operand,
    },
    /// A bare reference: a Bool attribute, a segment, a situation.
    Ref(Path),
    /// `has customer.x` / `has context.x`
    Has(Path),
    /// `true` / `false`
    Bool(bool),
}

/// `{a, b, c}`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetLit {
    /// The elements.
    pub items: Vec<Ident>,
    /// Where, braces included.
    pub span: Span,
}

/// Something compared: a path or a literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// `customer.tier`, `context.wait`, `amount`, `gold`
    Path(Path),
    /// `30 minutes`, `100 USD`, `3`
    Quantity(Quantity),
    /// `true` / `false`
    Bool(bool, Span),
    /// Any other quantity expression (LANGUAGE.md §8.1): several terms,
    /// or one that is a date, a time, a percentage, a product or a
    /// `min`/`max`. A lone path or literal is never a `Sum`.
    Sum(Sum),
}

impl Operand {
    /// Where.
    pub fn span(&self) -> Span {
        match self {
            Operand::Path(p) => p.span,
            Operand::Quantity(q) => q.span,
            Operand::Bool(_, s) => *s,
            Operand::Sum(e) => e.span,
        }
    }

    /// The operand as a quantity expression, when it is one.
    pub fn to_sum(&self) -> Option<Sum> {
        let term = match self {
            Operand::Path(p) => Term::Path(p.clone()),
            Operand::Quantity(q) => Term::Quantity(q.clone()),
            Operand::Bool(..) => return None,
            Operand::Sum(e) => return Some(e.clone()),
        };
        Some(Sum {
            span: term.span(),
            terms: vec![SumTerm {
                sign: Sign::Plus,
                sign_span: None,
                term,
            }],
        })
    }
}

/// A quantity expression: terms joined by `+` and `-` (LANGUAGE.md §8.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sum {
    /// The terms, the first with [`Sign::Plus`] and no sign span.
    pub terms: Vec<SumTerm>,
    /// Where.
    pub span: Span,
}

/// `+` or `-`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sign {
    /// `+` (and the first term).
    Plus,
    /// `-`
    Minus,
}

/// One signed term of a [`Sum`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumTerm {
    /// Added or subtracted.
    pub sign: Sign,
    /// The operator's span (`None` for the first term).
    pub sign_span: Option<Span>,
    /// The term.
    pub term: Term,
}

/// `min` or `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Extremum {
    /// `min(…)`
    Min,
    /// `max(…)`
    Max,
}

impl Extremum {
    /// `min` or `max`.
    pub fn as_str(self) -> &'static str {
        match self {
            Extremum::Min => "min",
            Extremum::Max => "max",
        }
    }
}

/// A literal written as text (`2026-12-24`, `22:30`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextLit {
    /// The source text.
    pub raw: String,
    /// Where.
    pub span: Span,
}

/// One term of a quantity expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// `context.bill_total`, `amount`
    Path(Path),
    /// `25 USD`, `3`, `2 hours`
    Quantity(Quantity),
    /// `2026-12-24`
    Date(TextLit),
    /// `22:30`
    Time(TextLit),
    /// `P% of X`
    Percent {
        /// The percentage (an integer or a decimal, at most two places).
        percent: NumberLit,
        /// What it is a percentage of.
        of: Box<Term>,
        /// Where.
        span: Span,
    },
    /// `LITERAL * X` or `X * LITERAL`
    Scaled {
        /// The literal factor.
        factor: Quantity,
        /// The other factor.
        of: Box<Term>,
        /// Whether the literal was written first.
        factor_first: bool,
        /// Where.
        span: Span,
    },
    /// `min(E, …)` / `max(E, …)`, or another name applied to arguments
    /// (which the checker refuses).
    Call {
        /// The function's name as written.
        name: Ident,
        /// `min`, `max`, or `None` for an unknown function.
        extremum: Option<Extremum>,
        /// The arguments.
        args: Vec<Sum>,
        /// Where.
        span: Span,
    },
}

impl Term {
    /// Where.
    pub fn span(&self) -> Span {
        match self {
            Term::Path(p) => p.span,
            Term::Quantity(q) => q.span,
            Term::Date(t) | Term::Time(t) => t.span,
            Term::Percent { span, .. } | Term::Scaled { span, .. } | Term::Call { span, .. } => {
                *span
            }
        }
    }
}

/// A name in an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    /// What it names.
    pub kind: PathKind,
    /// Where, whole path.
    pub span: Span,
}

/// The kinds of path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathKind {
    /// `customer.NAME`
    Customer(Ident),
    /// `context.NAME`
    Context(Ident),
    /// A bare name: a parameter, segment, situation or enum variant.
    Name(Ident),
}

impl PathKind {
    /// The last identifier.
    pub fn ident(&self) -> &Ident {
        match self {
            PathKind::Customer(i) | PathKind::Context(i) | PathKind::Name(i) => i,
        }
    }
}

/// `test "name" { … }`
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    /// The test's name.
    pub name: StringLit,
    /// Its entries, in source order.
    pub entries: Vec<TestEntry>,
}

/// One line of a test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestEntry {
    /// What it is.
    pub kind: TestEntryKind,
    /// Where.
    pub span: Span,
}

/// The kinds of test line.
#[derive(Debug, Clone, PartialEq)]
pub enum TestEntryKind {
    /// `role R`
    Role(Ident),
    /// `action A { param: value, … }`
    Action {
        /// The action.
        name: Ident,
        /// Its parameter values.
        params: Vec<FieldValue>,
    },
    /// `customer { … }`
    Customer(Vec<FieldValue>),
    /// `context { … }`
    Context(Vec<FieldValue>),
    /// `history { … }`
    History(Vec<HistoryEntry>),
    /// `expect …`
    Expect(Expectation),
    /// `at 2026-12-24 23:00`: the test's instant, local time.
    At {
        /// The date.
        date: TextLit,
        /// The time of day.
        time: TextLit,
    },
    /// A line that did not parse; its error was reported.
    Error,
}

impl TestEntryKind {
    /// The entry's place in the canonical order of LANGUAGE.md §7 and
    /// §8.6 (at, role, action, customer, context, history, expect); an
    /// entry that did not parse goes last.
    pub fn rank(&self) -> u8 {
        match self {
            TestEntryKind::At { .. } => 0,
            TestEntryKind::Role(_) => 1,
            TestEntryKind::Action { .. } => 2,
            TestEntryKind::Customer(_) => 3,
            TestEntryKind::Context(_) => 4,
            TestEntryKind::History(_) => 5,
            TestEntryKind::Expect(_) => 6,
            TestEntryKind::Error => 7,
        }
    }
}

/// `name: value`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldValue {
    /// The attribute or parameter.
    pub name: Ident,
    /// The value.
    pub value: Value,
}

/// A literal value in a test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `80 USD`, `5 minutes`, `400`
    Quantity(Quantity),
    /// `true` / `false`
    Bool(bool, Span),
    /// An enum variant.
    Variant(Ident),
    /// `{a, b}`
    Set(SetLit),
    /// `"INC-7"`: a `Key` value.
    Str(StringLit),
    /// `2026-12-24`
    Date(TextLit),
    /// `22:30`
    Time(TextLit),
}

impl Value {
    /// Where.
    pub fn span(&self) -> Span {
        match self {
            Value::Quantity(q) => q.span,
            Value::Bool(_, s) => *s,
            Value::Variant(i) => i.span,
            Value::Set(s) => s.span,
            Value::Str(s) => s.span,
            Value::Date(t) | Value::Time(t) => t.span,
        }
    }
}

/// `ACTION AMOUNT? N unit ago`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The action used.
    pub action: Ident,
    /// The money amount, for `total` limits.
    pub amount: Option<Quantity>,
    /// How long ago.
    pub ago: Quantity,
    /// `for { incident: "INC-7" }`: the keys it was recorded under.
    pub keys: Vec<FieldValue>,
    /// Where.
    pub span: Span,
}

/// `expect …`
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expectation {
    /// `expect permit (requiring a, b)?`
    Permit {
        /// The exact obligations, when given.
        requiring: Option<Vec<Ident>>,
    },
    /// `expect deny`
    Deny,
    /// `expect escalate to R`
    Escalate(Ident),
}
