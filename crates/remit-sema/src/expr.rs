//! Checking conditions: `for`, `when`, segments and situations.

use crate::checker::Checker;
use crate::model::{ActionId, Cond, Input, InputKind, Symbol, Type};
use crate::units::quantity_value;
use remit_diagnostics::{did_you_mean, Code, Diagnostic, Span};
use remit_syntax::ast::{CmpOp, Expr, ExprKind, Ident, Operand, Path, PathKind};
use std::collections::BTreeSet;

/// Where a condition is written, which decides what it may read.
#[derive(Clone, Copy)]
pub(crate) enum Place<'a> {
    /// `segment x = …`: `customer.*` and segments.
    Segment,
    /// `situation x = …`: customer, context, segments, situations.
    Situation,
    /// A rule's `for`: `customer.*` and segments.
    For,
    /// A rule's `when`: everything, the rule's parameters included.
    When(&'a [ActionId]),
}

impl Place<'_> {
    fn reads_context(self) -> bool {
        matches!(self, Place::Situation | Place::When(_))
    }

    fn what(self) -> &'static str {
        match self {
            Place::Segment => "a segment",
            Place::Situation => "a situation",
            Place::For => "a `for` clause",
            Place::When(_) => "a `when` clause",
        }
    }

    fn restriction_help(self) -> &'static str {
        match self {
            Place::Segment => "a segment describes customers: read only `customer.*` and other segments; put conditions on the context in a `situation`",
            Place::For => "`for` says which customers: read only `customer.*` and segments there, and move this condition to the rule's `when` clause",
            Place::Situation => "a situation may read `customer.*`, `context.*`, segments and situations; parameters exist only inside a rule's `when`",
            Place::When(_) => "",
        }
    }
}

/// An operand after name resolution.
enum Resolved<'e> {
    Input(Input, Type, Span),
    Quantity(&'e remit_syntax::ast::Quantity),
    Bool(bool, Span),
    /// A bare name that is not an input: an enum variant, if anything.
    Name(&'e Ident),
    /// Already reported.
    Invalid,
}

impl Checker {
    /// Checks a condition. Errors are reported; a broken part becomes
    /// `Cond::False` so that nothing downstream reads it as permissive.
    pub(crate) fn cond(&mut self, e: &Expr, place: Place<'_>) -> Cond {
        match &e.kind {
            ExprKind::Or(v) => Cond::Or(v.iter().map(|e| self.cond(e, place)).collect()),
            ExprKind::And(v) => Cond::And(v.iter().map(|e| self.cond(e, place)).collect()),
            ExprKind::Not(inner) => Cond::Not(Box::new(self.cond(inner, place))),
            ExprKind::Paren(inner) => self.cond(inner, place),
            ExprKind::Bool(b) => {
                if *b {
                    Cond::True
                } else {
                    Cond::False
                }
            }
            ExprKind::Ref(path) => self.reference_cond(path, place),
            ExprKind::Has(path) => self.has_cond(path, place),
            ExprKind::Compare {
                lhs,
                op,
                op_span,
                rhs,
            } => self.compare(lhs, *op, *op_span, rhs, e.span, place),
            ExprKind::In { lhs, negated, set } => {
                let Resolved::Input(input, ty, span) = self.operand(lhs, place) else {
                    self.needs_attribute(lhs, "`in {…}`");
                    return Cond::False;
                };
                let Type::Enum(enum_name) = &ty else {
                    let help = match &ty {
                        Type::Set(_) => format!(
                            "to test what a set holds, write `{} contains VARIANT`",
                            input.source_name()
                        ),
                        t if t.is_numeric() => format!(
                            "compare numbers with `<`, `<=`, `>` or `>=`, e.g. `{} >= 1`",
                            input.source_name()
                        ),
                        _ => format!(
                            "write `{} == true` or just `{}`",
                            input.source_name(),
                            input.source_name()
                        ),
                    };
                    self.error(
                        Diagnostic::new(
                            Code::INVALID_OPERATOR,
                            format!(
                                "`in {{…}}` needs an enum, but `{}` is `{ty}`",
                                input.source_name()
                            ),
                            span,
                            format!("this is `{ty}`"),
                        )
                        .help(help),
                    );
                    return Cond::False;
                };
                let enum_index = self.enums.get(enum_name).copied();
                let mut variants = BTreeSet::new();
                let mut ok = true;
                for item in &set.items {
                    match enum_index.and_then(|e| self.resolve_variant(e, item)) {
                        Some(v) => {
                            variants.insert(v);
                        }
                        None => ok = false,
                    }
                }
                if !ok {
                    return Cond::False;
                }
                let cond = Cond::In { input, variants };
                if *negated {
                    Cond::Not(Box::new(cond))
                } else {
                    cond
                }
            }
            ExprKind::Contains { lhs, value } => {
                let Resolved::Input(input, ty, span) = self.operand(lhs, place) else {
                    self.needs_attribute(lhs, "`contains`");
                    return Cond::False;
                };
                let Type::Set(enum_name) = &ty else {
                    self.error(
                        Diagnostic::new(
                            Code::INVALID_OPERATOR,
                            format!(
                                "`contains` needs a set, but `{}` is `{ty}`",
                                input.source_name()
                            ),
                            span,
                            format!("this is `{ty}`"),
                        )
                        .help(match &ty {
                            Type::Enum(_) => format!(
                                "to test an enum, write `{} == VARIANT` or `{} in {{a, b}}`",
                                input.source_name(),
                                input.source_name()
                            ),
                            _ => "`contains` tests whether a `Set<Enum>` attribute holds a variant"
                                .to_string(),
                        }),
                    );
                    return Cond::False;
                };
                let resolved = match bare_name(value) {
                    Some(name) => {
                        let set = Resolved::Input(input.clone(), ty.clone(), span);
                        self.variant_or_operand(name, value, &set, place)
                    }
                    None => self.operand(value, place),
                };
                match resolved {
                    Resolved::Name(ident) => {
                        let enum_index = self.enums.get(enum_name).copied();
                        match enum_index.and_then(|e| self.resolve_variant(e, ident)) {
                            Some(variant) => Cond::Contains { input, variant },
                            None => Cond::False,
                        }
                    }
                    Resolved::Input(other, _, other_span) => {
                        self.attribute_comparison(&input, &other, span.to(other_span));
                        Cond::False
                    }
                    Resolved::Invalid => Cond::False,
                    _ => {
                        self.error(
                            Diagnostic::new(
                                Code::TYPE_MISMATCH,
                                format!("`{}` holds `{enum_name}` variants", input.source_name()),
                                value.span(),
                                format!("expected a `{enum_name}` variant"),
                            )
                            .help(format!("write a variant of `{enum_name}`")),
                        );
                        Cond::False
                    }
                }
            }
        }
    }

    fn needs_attribute(&mut self, operand: &Operand, what: &str) {
        if let Operand::Path(_) = operand {
            return; // an unknown or misplaced name was already reported
        }
        self.error(
            Diagnostic::new(
                Code::TYPE_MISMATCH,
                format!("{what} needs an attribute or parameter on its left"),
                operand.span(),
                "not an attribute",
            )
            .help("write e.g. `customer.tier in {gold, platinum}`"),
        );
    }

    /// A bare name as a whole condition: a Bool input, a segment or a
    /// situation.
    fn reference_cond(&mut self, path: &Path, place: Place<'_>) -> Cond {
        if let PathKind::Name(ident) = &path.kind {
            if let Some(&i) = self.segments.get(&ident.name) {
                self.reference(ident.span, Symbol::Segment(i));
                return Cond::Segment(i);
            }
            if let Some(&i) = self.situations.get(&ident.name) {
                self.reference(ident.span, Symbol::Situation(i));
                if matches!(place, Place::Segment | Place::For) {
                    self.misplaced(
                        place,
                        &format!("the situation `{}`", ident.name),
                        ident.span,
                    );
                    return Cond::False;
                }
                return Cond::Situation(i);
            }
        }
        match self.operand(&Operand::Path(path.clone()), place) {
            Resolved::Input(input, Type::Bool, _) => Cond::Bool { input, value: true },
            Resolved::Input(input, ty, span) => {
                let example = match &ty {
                    Type::Int => format!("`{} >= 1`", input.source_name()),
                    Type::Money | Type::Duration => format!("`{} > 0`", input.source_name()),
                    Type::Enum(_) => format!("`{} == VARIANT`", input.source_name()),
                    Type::Set(_) => format!("`{} contains VARIANT`", input.source_name()),
                    Type::Date => format!("`{} >= 2026-12-24`", input.source_name()),
                    Type::Time => format!("`{} >= 22:00`", input.source_name()),
                    Type::Key => format!("`has {}`", input.source_name()),
                    Type::Bool => String::new(),
                };
                self.error(
                    Diagnostic::new(
                        Code::TYPE_MISMATCH,
                        format!("`{}` is `{ty}`, not a condition", input.source_name()),
                        span,
                        "not a `Bool`",
                    )
                    .help(format!("compare it, e.g. {example}")),
                );
                Cond::False
            }
            Resolved::Name(ident) => {
                self.unknown_in_condition(ident, place);
                Cond::False
            }
            _ => Cond::False,
        }
    }

    /// `has customer.x` / `has context.x`: the attribute must be optional.
    fn has_cond(&mut self, path: &Path, place: Place<'_>) -> Cond {
        if matches!(path.kind, PathKind::Name(_)) {
            self.error(
                Diagnostic::new(
                    Code::TYPE_MISMATCH,
                    "`has` tests a customer or context attribute",
                    path.span,
                    "not an attribute",
                )
                .help("write e.g. `has context.cancellation_notice`; parameters are always given"),
            );
            return Cond::False;
        }
        let Resolved::Input(input, _, span) = self.operand(&Operand::Path(path.clone()), place)
        else {
            return Cond::False;
        };
        if !self.is_optional(&input) {
            let name = input.source_name();
            self.error(
                Diagnostic::new(
                    Code::TYPE_MISMATCH,
                    format!("`{name}` is not optional, so `has {name}` always holds"),
                    span,
                    "a required attribute",
                )
                .help(format!("remove the `has`, or declare the attribute optional with `?` (e.g. `{}: Type?`)", input.name)),
            );
            return Cond::False;
        }
        Cond::Present { input }
    }

    /// Whether an input is an optional attribute.
    pub(crate) fn is_optional(&self, input: &Input) -> bool {
        match input.kind {
            InputKind::Customer => self
                .customer
                .get(&input.name)
                .is_some_and(|i| self.model.customer[*i].optional),
            InputKind::Context => self
                .context
                .get(&input.name)
                .is_some_and(|i| self.model.context[*i].optional),
            InputKind::Param => false,
        }
    }

    /// A path in a quantity expression: an input of a numeric type.
    pub(crate) fn numeric_input(&mut self, path: &Path, place: Place<'_>) -> Option<(Input, Type)> {
        match self.operand(&Operand::Path(path.clone()), place) {
            Resolved::Input(input, ty, span) => {
                if ty.is_numeric() {
                    return Some((input, ty));
                }
                let help = match &ty {
                    Type::Key => "a `Key` names which counter a use belongs to; it has no order or arithmetic".to_string(),
                    _ => "quantity expressions combine `Int`, `Money`, `Duration`, `Date` and `Time` values".to_string(),
                };
                self.error(
                    Diagnostic::new(
                        Code::TYPE_MISMATCH,
                        format!("`{}` is `{ty}`, not a quantity", input.source_name()),
                        span,
                        format!("this is `{ty}`"),
                    )
                    .help(help),
                );
                None
            }
            Resolved::Name(ident) => {
                self.unknown_in_condition(ident, place);
                None
            }
            _ => None,
        }
    }

    fn unknown_in_condition(&mut self, ident: &Ident, place: Place<'_>) {
        if self.customer.contains_key(&ident.name) || self.context.contains_key(&ident.name) {
            let prefix = if self.customer.contains_key(&ident.name) {
                "customer"
            } else {
                "context"
            };
            self.error(
                Diagnostic::new(
                    Code::UNKNOWN_NAME,
                    format!("unknown name `{}`", ident.name),
                    ident.span,
                    "not a segment, situation or parameter",
                )
                .help(format!(
                    "attributes are written with their schema: `{prefix}.{}`",
                    ident.name
                ))
                .fix(
                    format!("replace with `{prefix}.{}`", ident.name),
                    ident.span,
                    format!("{prefix}.{}", ident.name),
                ),
            );
            return;
        }
        let mut candidates: Vec<String> = self.segments.keys().cloned().collect();
        if !matches!(place, Place::Segment | Place::For) {
            candidates.extend(self.situations.keys().cloned());
        }
        if let Place::When(actions) = place {
            for a in actions {
                if let Some(def) = self.model.actions.get(*a) {
                    candidates.extend(def.params.iter().map(|p| p.name.clone()));
                }
            }
        }
        candidates.sort();
        self.unknown(
            "name",
            ident,
            candidates.iter().map(String::as_str),
            "a bare name in a condition is a segment, a situation, a parameter of the rule's actions, or an enum variant compared with an attribute",
        );
    }

    fn misplaced(&mut self, place: Place<'_>, what: &str, span: Span) {
        self.error(
            Diagnostic::new(
                Code::INVALID_SEGMENT,
                format!("{} cannot read {what}", place.what()),
                span,
                "not allowed here",
            )
            .help(place.restriction_help().to_string()),
        );
    }

    /// Resolves an operand: inputs are checked against the place.
    fn operand<'e>(&mut self, operand: &'e Operand, place: Place<'_>) -> Resolved<'e> {
        match operand {
            // Callers that accept expressions route them to
            // `linear_compare`; elsewhere the caller reports it.
            Operand::Sum(_) => Resolved::Invalid,
            Operand::Quantity(q) => Resolved::Quantity(q),
            Operand::Bool(b, span) => Resolved::Bool(*b, *span),
            Operand::Path(path) => match &path.kind {
                PathKind::Customer(attr) => match self.customer.get(&attr.name).copied() {
                    Some(i) => {
                        self.reference(attr.span, Symbol::CustomerAttr(i));
                        let ty = self.model.customer[i].ty.clone();
                        Resolved::Input(
                            Input {
                                kind: InputKind::Customer,
                                name: attr.name.clone(),
                            },
                            ty,
                            path.span,
                        )
                    }
                    None => {
                        self.unknown_attribute("customer", attr);
                        Resolved::Invalid
                    }
                },
                PathKind::Context(attr) => {
                    let Some(i) = self.context.get(&attr.name).copied() else {
                        self.unknown_attribute("context", attr);
                        return Resolved::Invalid;
                    };
                    self.reference(attr.span, Symbol::ContextAttr(i));
                    if !place.reads_context() {
                        self.misplaced(place, &format!("`context.{}`", attr.name), path.span);
                        return Resolved::Invalid;
                    }
                    let ty = self.model.context[i].ty.clone();
                    Resolved::Input(
                        Input {
                            kind: InputKind::Context,
                            name: attr.name.clone(),
                        },
                        ty,
                        path.span,
                    )
                }
                PathKind::Name(ident) => {
                    if let Place::When(actions) = place {
                        if let Some(r) = self.param(ident, actions) {
                            return r;
                        }
                    } else if self
                        .model
                        .actions
                        .iter()
                        .any(|a| a.param(&ident.name).is_some())
                        && !self.segments.contains_key(&ident.name)
                        && !self.situations.contains_key(&ident.name)
                    {
                        self.misplaced(
                            place,
                            &format!("the parameter `{}`", ident.name),
                            ident.span,
                        );
                        return Resolved::Invalid;
                    }
                    if self.segments.contains_key(&ident.name)
                        || self.situations.contains_key(&ident.name)
                    {
                        self.error(
                            Diagnostic::new(
                                Code::TYPE_MISMATCH,
                                format!("`{}` is a condition, not a value", ident.name),
                                ident.span,
                                "a segment or situation",
                            )
                            .help(format!(
                                "use `{}` on its own, e.g. `when {} and …`",
                                ident.name, ident.name
                            )),
                        );
                        return Resolved::Invalid;
                    }
                    Resolved::Name(ident)
                }
            },
        }
    }

    /// A bare name inside a rule: a parameter of its actions, if any of
    /// them has it. Reports a parameter missing on some actions.
    fn param<'e>(&mut self, ident: &'e Ident, actions: &[ActionId]) -> Option<Resolved<'e>> {
        let mut found: Option<Type> = None;
        let mut missing = Vec::new();
        for &a in actions {
            let def = self.model.actions[a].clone();
            match def.params.position(|p| p.name == ident.name) {
                Some(p) => {
                    let ty = def.params[p].ty.clone();
                    self.reference(ident.span, Symbol::Param(a, p));
                    if let Some(prev) = &found {
                        if *prev != ty {
                            let d = Diagnostic::new(
                                Code::PARAMETER_NOT_ON_ALL_ACTIONS,
                                format!("parameter `{}` has type `{prev}` on one action and `{ty}` on `{}`", ident.name, def.name),
                                ident.span,
                                "used here",
                            )
                            .secondary(def.params[p].span, format!("`{ty}` here"))
                            .help("a parameter a rule reads must have the same type on every action it names");
                            self.error(d);
                            return Some(Resolved::Invalid);
                        }
                    }
                    found = Some(ty);
                }
                None => missing.push(a),
            }
        }
        let ty = found?;
        if !missing.is_empty() {
            self.param_missing(ident, &missing);
            return Some(Resolved::Invalid);
        }
        Some(Resolved::Input(
            Input {
                kind: InputKind::Param,
                name: ident.name.clone(),
            },
            ty,
            ident.span,
        ))
    }

    pub(crate) fn param_missing(&mut self, ident: &Ident, missing: &[ActionId]) {
        let names: Vec<String> = missing
            .iter()
            .map(|a| self.model.actions[*a].name.clone())
            .collect();
        let mut d = Diagnostic::new(
            Code::PARAMETER_NOT_ON_ALL_ACTIONS,
            format!(
                "parameter `{}` is missing on {}",
                ident.name,
                crate::checker::list(&names)
            ),
            ident.span,
            "read here",
        )
        .help(format!(
            "add `{}` to {} or split the rule per action",
            ident.name,
            crate::checker::list(&names)
        ));
        for a in missing {
            d = d.secondary(self.model.actions[*a].span, "declared without it");
        }
        self.error(d);
    }

    fn unknown_attribute(&mut self, schema: &str, attr: &Ident) {
        let table = if schema == "customer" {
            self.model.customer.iter()
        } else {
            self.model.context.iter()
        };
        let names: Vec<String> = table.map(|a| a.name.clone()).collect();
        let mut d = Diagnostic::new(
            Code::UNKNOWN_ATTRIBUTE,
            format!("unknown attribute `{schema}.{}`", attr.name),
            attr.span,
            format!("not in the `{schema}` schema"),
        );
        d = match did_you_mean(&attr.name, names.iter().map(String::as_str)) {
            Some(s) => d.help(format!("did you mean `{schema}.{s}`?")).fix(
                format!("replace with `{s}`"),
                attr.span,
                s.to_string(),
            ),
            None => d.help(format!(
                "declare it in `{schema} {{ … }}`, e.g. `{}: Int`",
                attr.name
            )),
        };
        self.error(d);
    }

    fn attribute_comparison(&mut self, a: &Input, b: &Input, span: Span) {
        self.error(
            Diagnostic::new(
                Code::ATTRIBUTE_COMPARISON,
                format!(
                    "`{}` is tested against `{}`, which is an attribute, not a variant",
                    a.source_name(),
                    b.source_name()
                ),
                span,
                "a set tested against an attribute",
            )
            .help(format!(
                "test for a variant, e.g. `{} contains VARIANT`",
                a.source_name()
            )),
        );
    }

    /// Resolves the two sides of a comparison. A bare name is resolved by
    /// the other side's type (LANGUAGE.md): compared with an enum
    /// attribute, it is that enum's variant when the enum has one of that
    /// name, even if a segment, situation or parameter shares the name.
    fn operands<'e>(
        &mut self,
        lhs: &'e Operand,
        rhs: &'e Operand,
        place: Place<'_>,
    ) -> (Resolved<'e>, Resolved<'e>) {
        match (bare_name(lhs), bare_name(rhs)) {
            (Some(name), None) => {
                let r = self.operand(rhs, place);
                let l = self.variant_or_operand(name, lhs, &r, place);
                (l, r)
            }
            (None, Some(name)) => {
                let l = self.operand(lhs, place);
                let r = self.variant_or_operand(name, rhs, &l, place);
                (l, r)
            }
            _ => (self.operand(lhs, place), self.operand(rhs, place)),
        }
    }

    /// `name` as a variant of the enum `other` has, if it has one by that
    /// name; otherwise `operand` resolved as usual.
    fn variant_or_operand<'e>(
        &mut self,
        name: &'e Ident,
        operand: &'e Operand,
        other: &Resolved<'_>,
        place: Place<'_>,
    ) -> Resolved<'e> {
        let enum_name = match other {
            Resolved::Input(_, Type::Enum(e) | Type::Set(e), _) => Some(e),
            _ => None,
        };
        let is_variant = enum_name
            .and_then(|e| self.enums.get(e))
            .and_then(|i| self.variants.get(*i))
            .is_some_and(|m| m.contains_key(&name.name));
        if is_variant {
            Resolved::Name(name)
        } else {
            self.operand(operand, place)
        }
    }

    fn compare(
        &mut self,
        lhs: &Operand,
        op: CmpOp,
        op_span: Span,
        rhs: &Operand,
        span: Span,
        place: Place<'_>,
    ) -> Cond {
        if matches!(lhs, Operand::Sum(_)) || matches!(rhs, Operand::Sum(_)) {
            return self.linear_compare(lhs, op, rhs, span, place);
        }
        let references = self.model.references.len();
        let (l, r) = self.operands(lhs, rhs, place);
        let (input, ty, input_span, other, op) = match (l, r) {
            (Resolved::Invalid, _) | (_, Resolved::Invalid) => return Cond::False,
            (Resolved::Input(..), Resolved::Input(..)) => {
                // Two attributes: a linear comparison (§8.1), which
                // resolves them itself.
                self.model.references.truncate(references);
                return self.linear_compare(lhs, op, rhs, span, place);
            }
            (Resolved::Input(i, t, s), other) => (i, t, s, other, op),
            (other, Resolved::Input(i, t, s)) => (i, t, s, other, op.flip()),
            (Resolved::Name(n), _) | (_, Resolved::Name(n)) => {
                self.unknown_in_condition(n, place);
                return Cond::False;
            }
            _ => {
                self.error(
                    Diagnostic::new(
                        Code::TYPE_MISMATCH,
                        "a comparison needs an attribute or parameter on one side",
                        span,
                        "two literals",
                    )
                    .help("compare an attribute with a value, e.g. `context.wait >= 30 minutes`"),
                );
                return Cond::False;
            }
        };
        let name = input.source_name();
        match (&ty, other) {
            (t, Resolved::Quantity(q)) if t.is_numeric() => {
                let currency = self.model.currency.clone();
                let Some(value) = quantity_value(q, t, &name, currency.as_ref(), &mut self.diags)
                else {
                    return Cond::False;
                };
                Cond::Num { input, op, value }
            }
            (Type::Bool, Resolved::Bool(b, _)) => match op {
                CmpOp::Eq => Cond::Bool { input, value: b },
                CmpOp::Ne => Cond::Bool { input, value: !b },
                _ => {
                    self.bad_operator(
                        op,
                        op_span,
                        &name,
                        &ty,
                        "compare a `Bool` with `==` or `!=`, or use it on its own",
                    );
                    Cond::False
                }
            },
            (Type::Enum(enum_name), Resolved::Name(ident)) => {
                if !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    self.bad_operator(
                        op,
                        op_span,
                        &name,
                        &ty,
                        "enums have no order: compare with `==`, `!=` or `in {…}`",
                    );
                    return Cond::False;
                }
                let enum_index = self.enums.get(enum_name).copied();
                let Some(variant) = enum_index.and_then(|e| self.resolve_variant(e, ident)) else {
                    return Cond::False;
                };
                let cond = Cond::In {
                    input,
                    variants: BTreeSet::from([variant]),
                };
                if op == CmpOp::Ne {
                    Cond::Not(Box::new(cond))
                } else {
                    cond
                }
            }
            (Type::Set(_), _) => {
                self.bad_operator(
                    op,
                    op_span,
                    &name,
                    &ty,
                    &format!("test what a set holds with `{name} contains VARIANT`"),
                );
                Cond::False
            }
            (ty, other) => {
                let (found, found_span) = match other {
                    Resolved::Quantity(q) => (format!("the number `{}`", q.number.raw), q.span),
                    Resolved::Bool(b, s) => (format!("`{b}`"), s),
                    Resolved::Name(n) => (format!("`{}`", n.name), n.span),
                    _ => ("this".to_string(), span),
                };
                let help = match ty {
                    Type::Key => "a `Key` names which counter a use belongs to; it cannot be compared (test whether it is given with `has`)".to_string(),
                    Type::Date => format!("compare with a date, e.g. `{name} >= 2026-12-24`"),
                    Type::Time => format!("compare with a time of day, e.g. `{name} >= 22:00`"),
                    Type::Bool => "compare with `true` or `false`".to_string(),
                    Type::Enum(e) => format!("compare with a variant of `{e}`"),
                    Type::Money => format!(
                        "compare with an amount, e.g. `{name} > 50 {}`",
                        self.model
                            .currency
                            .as_ref()
                            .map_or("USD", |c| c.code.as_str())
                    ),
                    Type::Duration => {
                        format!("compare with a duration, e.g. `{name} >= 30 minutes`")
                    }
                    _ => format!("compare with a number, e.g. `{name} >= 10`"),
                };
                self.error(
                    Diagnostic::new(
                        Code::TYPE_MISMATCH,
                        format!("`{name}` is `{ty}`, but it is compared with {found}"),
                        found_span,
                        format!("expected a `{ty}` value"),
                    )
                    .secondary(input_span, format!("this is `{ty}`"))
                    .help(help),
                );
                Cond::False
            }
        }
    }

    fn bad_operator(&mut self, op: CmpOp, op_span: Span, name: &str, ty: &Type, help: &str) {
        self.error(
            Diagnostic::new(
                Code::INVALID_OPERATOR,
                format!(
                    "`{}` does not apply to `{name}`, which is `{ty}`",
                    op.as_str()
                ),
                op_span,
                format!("not defined on `{ty}`"),
            )
            .help(help.to_string()),
        );
    }
}

/// The name of an operand that is a bare name.
fn bare_name(operand: &Operand) -> Option<&Ident> {
    match operand {
        Operand::Path(Path {
            kind: PathKind::Name(ident),
            ..
        }) => Some(ident),
        _ => None,
    }
}
