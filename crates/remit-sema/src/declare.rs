//! The declaration passes: collect every name, then resolve types, role
//! inheritance and annotations.

use crate::checker::Checker;
use crate::model::{
    ActionDef, ActionId, AttrDef, Currency, DefinitionDef, EnumDef, EnumId, Id, IndexVec,
    ObligationDef, ObligationId, OutcomeDef, OutcomeId, RoleDef, RoleId, RuleDef, RuleId, Symbol,
    Type,
};
use crate::units::{currency_scale, is_currency_code};
use remit_diagnostics::{did_you_mean, Code, Diagnostic, LintLevels, Span};
use remit_syntax::ast::{self, Field, Ident, Item, ItemKind, TypeExpr};
use std::collections::{BTreeSet, HashMap};

impl Checker {
    /// Registers a name in a namespace, reporting a duplicate.
    /// The namespace's entry becomes `ns`'s id.
    fn declare_name(&mut self, ns: Namespace, name: &Ident) -> bool {
        let key = &name.name;
        let model = &self.model;
        let (kind, first) = match ns {
            Namespace::Enum(_) => (
                "enum",
                self.enums
                    .get(key)
                    .map(|&i| model.enums.get(i).map(|e| e.span)),
            ),
            Namespace::Role(_) => (
                "role",
                self.roles
                    .get(key)
                    .map(|&i| model.roles.get(i).map(|e| e.span)),
            ),
            Namespace::Action(_) => (
                "action",
                self.actions
                    .get(key)
                    .map(|&i| model.actions.get(i).map(|e| e.span)),
            ),
            Namespace::Obligation(_) => (
                "obligation",
                self.obligations
                    .get(key)
                    .map(|&i| model.obligations.get(i).map(|e| e.span)),
            ),
            Namespace::Rule(_) => (
                "rule",
                self.rules
                    .get(key)
                    .map(|&i| model.rules.get(i).map(|e| e.name_span)),
            ),
            Namespace::Outcome(_) => (
                "outcome",
                self.outcomes
                    .get(key)
                    .map(|&i| model.outcomes.get(i).map(|e| e.span)),
            ),
        };
        if let Some(first_span) = first {
            self.duplicate(kind, name, first_span);
            return false;
        }
        let key = key.clone();
        match ns {
            Namespace::Enum(id) => {
                self.enums.insert(key, id);
            }
            Namespace::Role(id) => {
                self.roles.insert(key, id);
            }
            Namespace::Action(id) => {
                self.actions.insert(key, id);
            }
            Namespace::Obligation(id) => {
                self.obligations.insert(key, id);
            }
            Namespace::Rule(id) => {
                self.rules.insert(key, id);
            }
            Namespace::Outcome(id) => {
                self.outcomes.insert(key, id);
            }
        }
        true
    }

    pub(crate) fn duplicate(&mut self, kind: &str, name: &Ident, first: Option<Span>) {
        let mut d = Diagnostic::new(
            Code::DUPLICATE_NAME,
            format!("{kind} `{}` is declared twice", name.name),
            name.span,
            "declared again here",
        )
        .help(format!(
            "rename one of them, or remove the second `{}`",
            name.name
        ));
        if let Some(first) = first {
            d = d.secondary(first, "first declared here");
        }
        self.error(d);
    }

    /// Pass 1: every named declaration, so later passes can resolve names
    /// regardless of order or file.
    pub(crate) fn collect(&mut self, items: &[&Item]) {
        for item in items {
            match &item.kind {
                ItemKind::Enum(e) => {
                    let index = self.model.enums.next_id();
                    if self.declare_name(Namespace::Enum(index), &e.name) {
                        let mut seen: HashMap<&str, Span> = HashMap::new();
                        let mut variants = IndexVec::new();
                        for v in &e.variants {
                            if let Some(first) = seen.get(v.name.as_str()) {
                                let first = *first;
                                self.error(
                                    Diagnostic::new(
                                        Code::DUPLICATE_NAME,
                                        format!(
                                            "variant `{}` of `{}` is declared twice",
                                            v.name, e.name.name
                                        ),
                                        v.span,
                                        "declared again here",
                                    )
                                    .secondary(first, "first declared here")
                                    .help(format!("remove the second `{}`", v.name)),
                                );
                                continue;
                            }
                            seen.insert(&v.name, v.span);
                            variants.push((v.name.clone(), v.span));
                        }
                        self.declaration(e.name.span, Symbol::Enum(index));
                        self.variants.push(
                            variants
                                .iter_enumerated()
                                .map(|(i, (v, _))| (v.clone(), i))
                                .collect(),
                        );
                        for (i, (_, span)) in variants.iter_enumerated() {
                            self.declaration(*span, Symbol::Variant(index, i));
                        }
                        self.model.enums.push(EnumDef {
                            name: e.name.name.clone(),
                            span: e.name.span,
                            variants,
                            doc: item.doc.clone(),
                        });
                    }
                }
                ItemKind::Role(r) => {
                    let index = self.model.roles.next_id();
                    if self.declare_name(Namespace::Role(index), &r.name) {
                        self.declaration(r.name.span, Symbol::Role(index));
                        self.model.roles.push(RoleDef {
                            name: r.name.name.clone(),
                            span: r.name.span,
                            extends: Vec::new(),
                            ancestors: BTreeSet::new(),
                            doc: item.doc.clone(),
                        });
                    }
                }
                ItemKind::Action(a) => {
                    let index = self.model.actions.next_id();
                    if self.declare_name(Namespace::Action(index), &a.name) {
                        self.declaration(a.name.span, Symbol::Action(index));
                        self.model.actions.push(ActionDef {
                            name: a.name.name.clone(),
                            span: a.name.span,
                            params: IndexVec::new(),
                            doc: item.doc.clone(),
                        });
                    }
                }
                ItemKind::Obligation(o) => {
                    let index = self.model.obligations.next_id();
                    if self.declare_name(Namespace::Obligation(index), &o.name) {
                        self.declaration(o.name.span, Symbol::Obligation(index));
                        self.model.obligations.push(ObligationDef {
                            name: o.name.name.clone(),
                            span: o.name.span,
                            description: o
                                .description
                                .as_ref()
                                .map(|d| d.value.clone())
                                .unwrap_or_default(),
                            doc: item.doc.clone(),
                        });
                    }
                }
                ItemKind::Segment(d) | ItemKind::Situation(d) => {
                    let is_segment = matches!(item.kind, ItemKind::Segment(_));
                    let first = self
                        .segments
                        .get(&d.name.name)
                        .and_then(|i| self.model.segments.get(*i))
                        .or_else(|| {
                            self.situations
                                .get(&d.name.name)
                                .and_then(|i| self.model.situations.get(*i))
                        })
                        .map(|def| def.span);
                    if first.is_some() {
                        self.duplicate(
                            if is_segment { "segment" } else { "situation" },
                            &d.name,
                            first,
                        );
                        continue;
                    }
                    let def = DefinitionDef {
                        name: d.name.name.clone(),
                        span: d.name.span,
                        cond: crate::model::Cond::False,
                        doc: item.doc.clone(),
                    };
                    if is_segment {
                        let index = self.model.segments.next_id();
                        self.segments.insert(d.name.name.clone(), index);
                        self.declaration(d.name.span, Symbol::Segment(index));
                        self.model.segments.push(def);
                    } else {
                        let index = self.model.situations.next_id();
                        self.situations.insert(d.name.name.clone(), index);
                        self.declaration(d.name.span, Symbol::Situation(index));
                        self.model.situations.push(def);
                    }
                }
                ItemKind::Outcome(o) => {
                    let index = self.model.outcomes.next_id();
                    if self.declare_name(Namespace::Outcome(index), &o.name) {
                        self.declaration(o.name.span, Symbol::Outcome(index));
                        self.model.outcomes.push(OutcomeDef {
                            name: o.name.name.clone(),
                            span: o.name.span,
                            description: o
                                .description
                                .as_ref()
                                .map(|d| d.value.clone())
                                .unwrap_or_default(),
                            doc: item.doc.clone(),
                        });
                    }
                }
                ItemKind::Rule(r) => {
                    let index = self.model.rules.next_id();
                    if self.declare_name(Namespace::Rule(index), &r.name) {
                        self.declaration(r.name.span, Symbol::Rule(index));
                        self.model.rules.push(RuleDef::placeholder(&r.name, item));
                    }
                }
                _ => {}
            }
        }
    }

    /// Pass 2: header, currency, schemas, parameters, role inheritance and
    /// policy-level annotations.
    pub(crate) fn declare(&mut self, items: &[&Item], default_name: &str) {
        let mut header: Option<Span> = None;
        let mut customer: Option<Span> = None;
        let mut context: Option<Span> = None;
        self.model.name = default_name.to_string();
        // The currency first: schemas need it to accept `Money`.
        for item in items {
            if let ItemKind::Currency(code) = &item.kind {
                if let Some(first) = &self.model.currency {
                    let first = first.span;
                    self.twice(
                        "currency",
                        item.span,
                        first,
                        "a policy has one currency; remove one of them",
                    );
                    continue;
                }
                if !is_currency_code(&code.name) {
                    self.error(
                        Diagnostic::new(
                            Code::WRONG_CURRENCY,
                            format!("`{}` is not a currency code", code.name),
                            code.span,
                            "expected three capital letters",
                        )
                        .help("write an ISO 4217 code such as `USD`, `EUR` or `GBP`"),
                    );
                    continue;
                }
                self.model.currency = Some(Currency {
                    code: code.name.clone(),
                    scale: currency_scale(&code.name),
                    span: code.span,
                });
            }
        }
        for item in items {
            match &item.kind {
                ItemKind::Policy(p) => {
                    if let Some(first) = header {
                        self.twice(
                            "policy",
                            item.span,
                            first,
                            "a policy has one `policy` header; remove one of them",
                        );
                        continue;
                    }
                    header = Some(item.span);
                    self.model.name = p.name.name.clone();
                    self.model.version = p.version.as_ref().map(|v| v.value.clone());
                    self.model.doc = item.doc.clone();
                }
                ItemKind::Timezone(zone) => self.timezone(zone, item.span),
                ItemKind::Customer(schema) => {
                    if let Some(first) = customer {
                        self.twice(
                            "customer",
                            item.span,
                            first,
                            "declare every customer attribute in one `customer { … }` block",
                        );
                        continue;
                    }
                    customer = Some(item.span);
                    let fields = self.fields(&schema.fields, "customer attribute");
                    for (i, f) in fields.iter_enumerated() {
                        self.customer.insert(f.name.clone(), i);
                        self.declaration(f.span, Symbol::CustomerAttr(i));
                    }
                    self.model.customer = fields;
                }
                ItemKind::Context(schema) => {
                    if let Some(first) = context {
                        self.twice(
                            "context",
                            item.span,
                            first,
                            "declare every context attribute in one `context { … }` block",
                        );
                        continue;
                    }
                    context = Some(item.span);
                    let fields = self.fields(&schema.fields, "context attribute");
                    for (i, f) in fields.iter_enumerated() {
                        self.context.insert(f.name.clone(), i);
                        self.declaration(f.span, Symbol::ContextAttr(i));
                    }
                    self.model.context = fields;
                }
                ItemKind::Action(a) => {
                    if let Some(&index) = self.actions.get(&a.name.name) {
                        if self
                            .model
                            .actions
                            .get(index)
                            .is_some_and(|d| d.span == a.name.span)
                        {
                            for p in &a.params {
                                if let Some(q) = p.optional {
                                    self.error(
                                        Diagnostic::new(Code::TYPE_MISMATCH, format!("parameter `{}` cannot be optional", p.name.name), q, "remove this `?`")
                                            .help("an action's parameters are what the employee chooses, so every request gives them; optional facts belong in `customer { … }` or `context { … }`"),
                                    );
                                }
                            }
                            let params = self.fields(&a.params, "parameter");
                            for (i, p) in params.iter_enumerated() {
                                self.declaration(p.span, Symbol::Param(index, i));
                            }
                            if let Some(def) = self.model.actions.get_mut(index) {
                                def.params = params;
                            }
                        }
                    }
                }
                ItemKind::Role(r) => {
                    if let Some(&index) = self.roles.get(&r.name.name) {
                        if self
                            .model
                            .roles
                            .get(index)
                            .is_some_and(|d| d.span == r.name.span)
                        {
                            let mut extends = Vec::new();
                            let mut seen = std::collections::HashSet::new();
                            for parent in &r.extends {
                                if let Some(p) = self.resolve_role(parent) {
                                    if seen.insert(p) {
                                        extends.push(p);
                                    }
                                }
                            }
                            if let Some(def) = self.model.roles.get_mut(index) {
                                def.extends = extends;
                            }
                        }
                    }
                }
                _ => {}
            }
            self.annotations(item);
        }
        self.inheritance();
    }

    /// `timezone "…"`: once per policy, an IANA name known to the bundled
    /// time-zone database.
    fn timezone(&mut self, zone: &ast::StringLit, span: Span) {
        if let Some((_, first)) = &self.model.timezone {
            let first = *first;
            self.twice(
                "timezone",
                span,
                first,
                "a policy has one time zone; remove one of them",
            );
            return;
        }
        if jiff::tz::db().get(&zone.value).is_err() {
            let names: Vec<String> = jiff::tz::db().available().map(|n| n.to_string()).collect();
            let mut d = Diagnostic::new(
                Code::UNKNOWN_NAME,
                format!("unknown time zone `{}`", zone.value),
                zone.span,
                "not an IANA time zone name",
            );
            d = match did_you_mean(&zone.value, names.iter().map(String::as_str)) {
                Some(s) => d.help(format!("did you mean `{s}`?")).fix(
                    format!("replace with `\"{s}\"`"),
                    zone.span,
                    format!("\"{s}\""),
                ),
                None => d.help(
                    "write an IANA name such as `\"Europe/London\"` or `\"America/New_York\"`",
                ),
            };
            self.error(d);
            return;
        }
        self.model.timezone = Some((zone.value.clone(), zone.span));
    }

    fn twice(&mut self, what: &str, again: Span, first: Span, help: &str) {
        self.error(
            Diagnostic::new(
                Code::DUPLICATE_ITEM,
                format!("`{what}` is given twice"),
                again,
                "given again here",
            )
            .secondary(first, "first given here")
            .help(help.to_string()),
        );
    }

    fn fields<I: Id>(&mut self, fields: &[Field], kind: &str) -> IndexVec<I, AttrDef> {
        let mut out: IndexVec<I, AttrDef> = IndexVec::new();
        for f in fields {
            if let Some(first) = out.iter().find(|a| a.name == f.name.name) {
                let first = first.span;
                self.duplicate(kind, &f.name, Some(first));
                continue;
            }
            if let Some(ty) = self.resolve_type(&f.ty) {
                out.push(AttrDef {
                    name: f.name.name.clone(),
                    ty,
                    optional: f.optional.is_some(),
                    span: f.name.span,
                    doc: f.doc.clone(),
                });
            }
        }
        out
    }

    pub(crate) fn resolve_type(&mut self, ty: &TypeExpr) -> Option<Type> {
        match ty {
            TypeExpr::Named(name) => match name.name.as_str() {
                "Bool" => Some(Type::Bool),
                "Int" => Some(Type::Int),
                "Duration" => Some(Type::Duration),
                "Key" => Some(Type::Key),
                "Date" => Some(Type::Date),
                "Time" => Some(Type::Time),
                "Money" => {
                    if self.model.currency.is_none() && !self.money_without_currency_reported {
                        self.money_without_currency_reported = true;
                        self.error(
                            Diagnostic::new(
                                Code::MISSING_CURRENCY,
                                "`Money` is used, but the policy declares no currency",
                                name.span,
                                "money used here",
                            )
                            .help("declare the policy's currency once, e.g. `currency USD`"),
                        );
                    }
                    Some(Type::Money)
                }
                "Set" => {
                    self.error(
                        Diagnostic::new(
                            Code::TYPE_MISMATCH,
                            "`Set` needs an element type",
                            name.span,
                            "expected `Set<Enum>`",
                        )
                        .help("write the enum of the elements, e.g. `Set<Product>`"),
                    );
                    None
                }
                other => match self.enums.get(other) {
                    Some(&e) => {
                        self.reference(name.span, Symbol::Enum(e));
                        Some(Type::Enum(other.to_string()))
                    }
                    None => {
                        let mut candidates: Vec<String> = vec![
                            "Bool".into(),
                            "Int".into(),
                            "Money".into(),
                            "Duration".into(),
                            "Key".into(),
                            "Date".into(),
                            "Time".into(),
                        ];
                        candidates.extend(self.model.enums.iter().map(|e| e.name.clone()));
                        self.unknown("type", name, candidates.iter().map(String::as_str), "types are `Bool`, `Int`, `Money`, `Duration`, `Date`, `Time`, `Key`, an enum name, or `Set<Enum>`");
                        None
                    }
                },
            },
            TypeExpr::Set { set, element, .. } => {
                if set.name != "Set" {
                    self.error(
                        Diagnostic::new(
                            Code::UNKNOWN_NAME,
                            format!("unknown type `{}<…>`", set.name),
                            set.span,
                            "the only generic type is `Set`",
                        )
                        .help("write `Set<Enum>`"),
                    );
                    return None;
                }
                match self.enums.get(&element.name) {
                    Some(&e) => {
                        self.reference(element.span, Symbol::Enum(e));
                        Some(Type::Set(element.name.clone()))
                    }
                    None => {
                        let names: Vec<String> =
                            self.model.enums.iter().map(|e| e.name.clone()).collect();
                        self.unknown("enum", element, names.iter().map(String::as_str), "a set's elements are the variants of an enum: declare it with `enum Name { a, b }`");
                        None
                    }
                }
            }
        }
    }

    /// Annotations: `@allow` before rules, `@deny` before the header.
    fn annotations(&mut self, item: &Item) {
        for a in &item.annotations {
            let placement_ok = match (a.name.name.as_str(), &item.kind) {
                ("allow", ItemKind::Rule(_)) | ("deny", ItemKind::Policy(_)) => true,
                ("deny", ItemKind::Rule(_)) => {
                    self.error(
                        Diagnostic::new(Code::MISPLACED_ANNOTATION, "`@deny` applies to the whole policy, not to one rule", a.span, "on a rule")
                            .help("put `@deny(…)` before the `policy` header, or pass `--deny LINT` on the command line"),
                    );
                    false
                }
                ("allow", _) => {
                    self.error(
                        Diagnostic::new(Code::MISPLACED_ANNOTATION, format!("`@allow` goes before a rule, not before `{}`", item.kind.keyword()), a.span, "not before a rule")
                            .help("put `@allow(…)` before each rule it concerns, or pass `--allow LINT` on the command line"),
                    );
                    false
                }
                ("deny", _) => {
                    self.error(
                        Diagnostic::new(
                            Code::MISPLACED_ANNOTATION,
                            format!(
                                "`@deny` goes before the `policy` header, not before `{}`",
                                item.kind.keyword()
                            ),
                            a.span,
                            "not before the header",
                        )
                        .help("put `@deny(…)` before `policy`"),
                    );
                    false
                }
                (other, _) => {
                    let d = Diagnostic::new(
                        Code::MISPLACED_ANNOTATION,
                        format!("unknown annotation `@{other}`"),
                        a.name.span,
                        "not an annotation",
                    )
                    .help(match did_you_mean(other, ["allow", "deny"]) {
                        Some(s) => format!("did you mean `@{s}`?"),
                        None => {
                            "Remit has `@allow(…)` before a rule and `@deny(…)` before `policy`"
                                .to_string()
                        }
                    });
                    self.error(d);
                    false
                }
            };
            for lint_name in &a.lints {
                let Some(lint) = LintLevels::lint(&lint_name.name) else {
                    let names: Vec<&str> =
                        remit_diagnostics::LINTS.iter().map(|l| l.name).collect();
                    let mut d = Diagnostic::new(
                        Code::UNKNOWN_LINT,
                        format!("unknown lint `{}`", lint_name.name),
                        lint_name.span,
                        "no lint is called this",
                    );
                    d = match did_you_mean(&lint_name.name, names.iter().copied()) {
                        Some(s) => d.help(format!("did you mean `{s}`?")).fix(
                            format!("replace with `{s}`"),
                            lint_name.span,
                            s,
                        ),
                        None => d.help(format!(
                            "the lints are {}",
                            names
                                .iter()
                                .map(|n| format!("`{n}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    };
                    self.error(d);
                    continue;
                };
                if !placement_ok {
                    continue;
                }
                match &item.kind {
                    ItemKind::Policy(_) => self.model.deny.push(lint),
                    ItemKind::Rule(r) => {
                        if let Some(rule) = self
                            .rules
                            .get(&r.name.name)
                            .and_then(|i| self.model.rules.get_mut(*i))
                        {
                            if rule.name_span == r.name.span {
                                rule.allow.push(lint);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// A namespace of [`Checker::declare_name`], with the id the name gets.
#[derive(Clone, Copy)]
enum Namespace {
    Enum(EnumId),
    Role(RoleId),
    Action(ActionId),
    Obligation(ObligationId),
    Rule(RuleId),
    Outcome(OutcomeId),
}

impl RuleDef {
    fn placeholder(name: &Ident, item: &Item) -> RuleDef {
        let (effect, effect_span) = match &item.kind {
            ItemKind::Rule(r) => (r.effect.kind, r.effect.span),
            _ => (ast::EffectKind::Permit, item.span),
        };
        let end = item.span.end.saturating_sub(1);
        RuleDef {
            name: name.name.clone(),
            name_span: name.span,
            span: item.span,
            doc: item.doc.clone(),
            effect,
            effect_span,
            roles: Vec::new(),
            any_role: false,
            actions: Vec::new(),
            target: None,
            customers: None,
            for_span: None,
            when: None,
            caps: Vec::new(),
            counts: Vec::new(),
            totals: Vec::new(),
            relations: Vec::new(),
            aims: Vec::new(),
            require: Vec::new(),
            notify: Vec::new(),
            otherwise: None,
            body_end: Span {
                start: end,
                end,
                ..item.span
            },
            allow: Vec::new(),
            ok: false,
        }
    }
}
