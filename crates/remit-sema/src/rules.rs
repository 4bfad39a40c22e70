//! Checking segments, situations and rules.

use crate::checker::Checker;
use crate::expr::Place;
use crate::model::{
    ActionId, Cap, Cond, CountLimit, DefinitionDef, Id, Model, ObligationId, Period, RoleId,
    RuleId, SegmentId, SituationId, Subject, TotalLimit, Type, WindowDef,
};
use crate::units::quantity_value;
use remit_diagnostics::{Code, Diagnostic, Span};
use remit_syntax::ast::{
    self, CapOp, ClauseKind, Definition, Ident, Item, ItemKind, Names, NumberLit, Quantity, Rule,
};
use remit_syntax::ClauseTag;

impl Checker {
    /// Checks every segment and situation, then reports definition cycles.
    pub(crate) fn definitions(&mut self, items: &[&Item]) {
        for item in items {
            let (def, is_segment) = match &item.kind {
                ItemKind::Segment(d) => (d, true),
                ItemKind::Situation(d) => (d, false),
                _ => continue,
            };
            if self.definition_slot(def, is_segment).is_none() {
                continue;
            }
            self.check_guards(&[&def.expr], &[]);
            let cond = self.cond(
                &def.expr,
                if is_segment {
                    Place::Segment
                } else {
                    Place::Situation
                },
            );
            if let Some(slot) = self.definition_slot(def, is_segment) {
                slot.cond = cond;
            }
        }
        self.definition_cycles();
    }

    /// The checked segment or situation `def` declares, unless `def` is a
    /// duplicate.
    fn definition_slot(
        &mut self,
        def: &Definition,
        is_segment: bool,
    ) -> Option<&mut DefinitionDef> {
        let slot = if is_segment {
            let id = *self.segments.get(&def.name.name)?;
            self.model.segments.get_mut(id)?
        } else {
            let id = *self.situations.get(&def.name.name)?;
            self.model.situations.get_mut(id)?
        };
        (slot.span == def.name.span).then_some(slot)
    }

    fn definition_cycles(&mut self) {
        // Nodes: segments 0..s, situations s..s+t.
        let s = self.model.segments.len();
        let n = s + self.model.situations.len();
        let edges: Vec<Vec<usize>> = (0..n)
            .map(|i| {
                let mut out = Vec::new();
                refs(&node(&self.model, s, i).1.cond, s, &mut out);
                out
            })
            .collect();
        // Iterative DFS with colours; a back edge is a cycle.
        let mut colour = vec![0u8; n];
        let mut in_cycle = vec![false; n];
        for root in 0..n {
            if colour[root] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
            colour[root] = 1;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&succ) = edges[node].get(*next) {
                    *next += 1;
                    match colour[succ] {
                        0 => {
                            colour[succ] = 1;
                            stack.push((succ, 0));
                        }
                        1 => {
                            let from = stack.iter().position(|(v, _)| *v == succ).unwrap_or(0);
                            for (v, _) in &stack[from..] {
                                in_cycle[*v] = true;
                            }
                        }
                        _ => {}
                    }
                } else {
                    colour[node] = 2;
                    stack.pop();
                }
            }
        }
        let mut members: Vec<usize> = (0..n).filter(|i| in_cycle[*i]).collect();
        while let Some(first) = members.first().copied() {
            // Group the members reachable from `first` that reach it back.
            let group: Vec<usize> = members
                .iter()
                .copied()
                .filter(|m| reaches(&edges, first, *m) && reaches(&edges, *m, first))
                .collect();
            members.retain(|m| !group.contains(m));
            let name = |i: usize| node(&self.model, s, i);
            let (kind, def) = name(first);
            let message = if group.len() == 1 {
                format!("{kind} `{}` is defined in terms of itself", def.name)
            } else {
                let names: Vec<String> = group.iter().map(|i| name(*i).1.name.clone()).collect();
                format!(
                    "{} are defined in terms of each other",
                    crate::checker::list(&names)
                )
            };
            let mut d = Diagnostic::new(Code::DEFINITION_CYCLE, message, def.span, "part of the cycle")
                .help("a segment or situation must be defined by attributes and earlier definitions; break the cycle by writing one of them out");
            for other in group.iter().skip(1) {
                d = d.secondary(name(*other).1.span, "also part of the cycle");
            }
            self.error(d);
            for i in group {
                let slot = if i < s {
                    &mut self.model.segments[SegmentId::from_index(i)]
                } else {
                    &mut self.model.situations[SituationId::from_index(i - s)]
                };
                slot.cond = Cond::False;
            }
        }
    }

    /// Checks every rule.
    pub(crate) fn rules(&mut self, items: &[&Item]) {
        for item in items {
            let ItemKind::Rule(rule) = &item.kind else {
                continue;
            };
            let Some(index) = self.rules.get(&rule.name.name).copied() else {
                continue;
            };
            if self.model.rules[index].name_span != rule.name.span {
                continue; // a duplicate, already reported
            }
            let before = self.diags.len();
            self.rule(index, rule);
            let ok = !self.diags[before..].iter().any(|d| d.is_error())
                && !rule.clauses.iter().any(|c| c.kind == ClauseKind::Error);
            self.model.rules[index].ok = ok;
        }
    }

    fn rule(&mut self, index: RuleId, rule: &Rule) {
        let effect = rule.effect.kind;
        let (roles, any_role) = match &rule.effect.roles {
            Names::Any(_) => (self.model.roles.ids().collect(), true),
            Names::List(names) => (
                names.iter().filter_map(|n| self.resolve_role(n)).collect(),
                false,
            ),
        };
        let actions: Vec<ActionId> = match &rule.effect.actions {
            Names::Any(_) => self.model.actions.ids().collect(),
            Names::List(names) => names
                .iter()
                .filter_map(|n| self.resolve_action(n))
                .collect(),
        };
        let target = rule
            .effect
            .target
            .as_ref()
            .and_then(|t| self.resolve_role(t));
        {
            let r = &mut self.model.rules[index];
            r.roles = roles;
            r.any_role = any_role;
            r.actions = actions.clone();
            r.target = target;
        }
        let mut seen: Vec<(ClauseTag, Span)> = Vec::new();
        for clause in &rule.clauses {
            let Some(tag) = clause.kind.tag() else {
                continue;
            };
            let spec = tag.spec();
            if !spec.repeatable {
                if let Some((_, first)) = seen.iter().find(|(t, _)| *t == tag) {
                    let key = spec.name;
                    self.error(
                        Diagnostic::new(Code::DUPLICATE_CLAUSE, format!("`{key}` is given twice in rule `{}`", rule.name.name), clause.span, "given again here")
                            .secondary(*first, "first given here")
                            .help(match tag {
                                ClauseTag::For | ClauseTag::When => format!("combine the two conditions in one `{key}` clause with `and` or `or`"),
                                ClauseTag::Require | ClauseTag::Notify => format!("list every name in one `{key}` clause, separated by commas"),
                                ClauseTag::Aims => "list every outcome in one `aims` clause, separated by commas".to_string(),
                                ClauseTag::Cap
                                | ClauseTag::Count
                                | ClauseTag::Total
                                | ClauseTag::Otherwise => "keep one of them".to_string(),
                            }),
                    );
                    continue;
                }
                seen.push((tag, clause.span));
            }
            if !spec.allowed_in(effect) {
                self.error(
                    Diagnostic::new(
                        Code::CLAUSE_NOT_ALLOWED,
                        format!(
                            "`{}` is not allowed in a `{}` rule",
                            spec.name,
                            effect.as_str()
                        ),
                        clause.span,
                        format!("not allowed in a `{}`", effect.as_str()),
                    )
                    .secondary(
                        rule.effect.keyword,
                        format!("this rule is a `{}`", effect.as_str()),
                    )
                    .help(format!(
                        "`{}` applies only to {}; remove it",
                        spec.name,
                        spec.allowed_in_phrase()
                    )),
                );
                continue;
            }
            self.clause(index, &clause.kind, clause.span, &actions);
        }
        let conds: Vec<&ast::Expr> = rule
            .clauses
            .iter()
            .filter_map(|c| match &c.kind {
                ClauseKind::For(e) | ClauseKind::When(e) => Some(e),
                _ => None,
            })
            .collect();
        let sums: Vec<&ast::Sum> = rule
            .clauses
            .iter()
            .filter_map(|c| match &c.kind {
                ClauseKind::RelCap { bound, .. } => Some(bound),
                _ => None,
            })
            .collect();
        self.check_guards(&conds, &sums);
    }

    /// Checks one clause of rule `index` and records it on the rule; the
    /// limits have steps of their own.
    fn clause(&mut self, index: RuleId, kind: &ClauseKind, span: Span, actions: &[ActionId]) {
        match kind {
            ClauseKind::ForAnyCustomer => {
                let r = &mut self.model.rules[index];
                r.customers = Some(Cond::True);
                r.for_span = Some(span);
            }
            ClauseKind::For(e) => {
                let c = self.cond(e, Place::For);
                let r = &mut self.model.rules[index];
                r.customers = Some(c);
                r.for_span = Some(span);
            }
            ClauseKind::When(e) => {
                let c = self.cond(e, Place::When(actions));
                self.model.rules[index].when = Some(c);
            }
            ClauseKind::Cap { param, op, value } => {
                if let Some(cap) = self.cap(param, *op, value, span, actions) {
                    self.model.rules[index].caps.push(cap);
                }
            }
            ClauseKind::RelCap { param, op, bound } => {
                if let Some(cond) = self.relational_cap(param, *op, bound, span, actions) {
                    self.model.rules[index].relations.push(cond);
                }
            }
            ClauseKind::Count {
                count,
                subjects,
                window,
            } => {
                if let Some(limit) = self.count_limit(count, subjects, window.as_ref(), span) {
                    self.model.rules[index].counts.push(limit);
                }
            }
            ClauseKind::Total {
                amount,
                subjects,
                window,
            } => {
                if let Some(total) =
                    self.total_limit(amount, subjects, window.as_ref(), span, actions)
                {
                    self.model.rules[index].totals.push(total);
                }
            }
            ClauseKind::Aims(names) => {
                let ids: Vec<crate::model::OutcomeId> = names
                    .iter()
                    .filter_map(|n| self.resolve_outcome(n))
                    .collect();
                self.model.rules[index].aims = ids;
            }
            ClauseKind::Require(names) => {
                let ids: Vec<ObligationId> = names
                    .iter()
                    .filter_map(|n| self.resolve_obligation(n))
                    .collect();
                self.model.rules[index].require = ids;
            }
            ClauseKind::Notify(names) => {
                let ids: Vec<RoleId> = names.iter().filter_map(|n| self.resolve_role(n)).collect();
                self.model.rules[index].notify = ids;
            }
            ClauseKind::Otherwise(role) => {
                let id = self.resolve_role(role);
                self.model.rules[index].otherwise = id;
            }
            ClauseKind::Error => {}
        }
    }

    /// `limit PARAM <= VALUE` (or `<`): the parameter's type, then the
    /// bound in its units, normalised to an inclusive maximum.
    fn cap(
        &mut self,
        param: &Ident,
        op: CapOp,
        value: &Quantity,
        span: Span,
        actions: &[ActionId],
    ) -> Option<Cap> {
        let ty = self.cap_type(param, actions)?;
        let currency = self.model.currency.clone();
        let v = quantity_value(value, &ty, &param.name, currency.as_ref(), &mut self.diags)?;
        let max = match op {
            CapOp::Le => v,
            CapOp::Lt => v.saturating_sub(1),
        };
        Some(Cap {
            param: param.name.clone(),
            max,
            span,
        })
    }

    /// `limit PARAM <= EXPR` (or `<`): a relational cap, checked as the
    /// comparison it is.
    fn relational_cap(
        &mut self,
        param: &Ident,
        op: CapOp,
        bound: &ast::Sum,
        span: Span,
        actions: &[ActionId],
    ) -> Option<Cond> {
        let references = self.model.references.len();
        self.cap_type(param, actions)?;
        // The comparison resolves the parameter again.
        self.model.references.truncate(references);
        let errors = self.diags.iter().filter(|d| d.is_error()).count();
        let lhs = ast::Operand::Path(ast::Path {
            kind: ast::PathKind::Name(param.clone()),
            span: param.span,
        });
        let op = match op {
            CapOp::Le => ast::CmpOp::Le,
            CapOp::Lt => ast::CmpOp::Lt,
        };
        let cond = self.linear_compare(
            &lhs,
            op,
            &ast::Operand::Sum(bound.clone()),
            span,
            crate::expr::Place::When(actions),
        );
        let clean = self.diags.iter().filter(|d| d.is_error()).count() == errors;
        clean.then_some(cond)
    }

    /// The type of a capped parameter: it must be on every action of the
    /// rule (each use is a reference) and have an upper bound to cap.
    fn cap_type(&mut self, param: &Ident, actions: &[ActionId]) -> Option<Type> {
        let mut ty: Option<Type> = None;
        let mut missing = Vec::new();
        for &a in actions {
            let def = &self.model.actions[a];
            match def.params.position(|p| p.name == param.name) {
                Some(p) => {
                    ty = Some(def.params[p].ty.clone());
                    self.reference(param.span, crate::model::Symbol::Param(a, p));
                }
                None => missing.push(a),
            }
        }
        let Some(ty) = ty else {
            self.unknown_cap_param(param, actions);
            return None;
        };
        if !missing.is_empty() {
            self.param_missing(param, &missing);
            return None;
        }
        if !ty.is_numeric() {
            self.error(
                Diagnostic::new(Code::INVALID_OPERATOR, format!("`{}` is `{ty}`, which has no upper bound to cap", param.name), param.span, format!("this is `{ty}`"))
                    .help("`limit` caps `Int`, `Money` and `Duration` parameters; put other conditions in `when`"),
            );
            return None;
        }
        Some(ty)
    }

    /// Reports a capped parameter that no action of the rule has, with the
    /// nearest parameter they do have.
    fn unknown_cap_param(&mut self, param: &Ident, actions: &[ActionId]) {
        let names: Vec<String> = actions
            .iter()
            .flat_map(|a| self.model.actions[*a].params.iter().map(|p| p.name.clone()))
            .collect();
        let mut d = Diagnostic::new(
            Code::UNKNOWN_PARAMETER,
            format!("unknown parameter `{}`", param.name),
            param.span,
            "no action of this rule has it",
        );
        d = match remit_diagnostics::did_you_mean(&param.name, names.iter().map(String::as_str)) {
            Some(s) => d.help(format!("did you mean `{s}`?")).fix(format!("replace with `{s}`"), param.span, s.to_string()),
            None => d.help("`limit NAME <= VALUE` caps a parameter of the rule's actions, e.g. `action refund(amount: Money)`"),
        };
        self.error(d);
    }

    /// `limit N per SUBJECT… (per WINDOW)?`: the count, the subjects, then
    /// the window.
    fn count_limit(
        &mut self,
        count: &NumberLit,
        subjects: &[ast::Subject],
        window: Option<&ast::Window>,
        span: Span,
    ) -> Option<CountLimit> {
        let mut scratch = Vec::new();
        let count_q = Quantity {
            number: count.clone(),
            unit: None,
            span: count.span,
        };
        let n = quantity_value(&count_q, &Type::Int, "the count", None, &mut scratch);
        self.diags.extend(scratch);
        let subjects = self.subjects(subjects);
        let w = self.window(window);
        Some(CountLimit {
            subjects: subjects?,
            count: n?,
            window: w?,
            span,
        })
    }

    /// `limit total AMOUNT per SUBJECT… (per WINDOW)?`: over actions with
    /// one `Money` parameter each, then the amount, the subjects and the
    /// window.
    fn total_limit(
        &mut self,
        amount: &Quantity,
        subjects: &[ast::Subject],
        window: Option<&ast::Window>,
        span: Span,
        actions: &[ActionId],
    ) -> Option<TotalLimit> {
        let ok = self.budget_actions(span, actions);
        let currency = self.model.currency.clone();
        let amount = quantity_value(
            amount,
            &Type::Money,
            "the budget",
            currency.as_ref(),
            &mut self.diags,
        );
        let subjects = self.subjects(subjects);
        let w = self.window(window);
        if !ok {
            return None;
        }
        Some(TotalLimit {
            subjects: subjects?,
            amount: amount?,
            window: w?,
            span,
        })
    }

    /// The subjects of a counter: `customer`, `employee` and `Key`
    /// attributes of the context, each at most once.
    fn subjects(&mut self, written: &[ast::Subject]) -> Option<Vec<Subject>> {
        let mut out: Vec<Subject> = Vec::new();
        let mut ok = true;
        for (i, subject) in written.iter().enumerate() {
            let resolved = match subject {
                ast::Subject::Customer(_) => Some(Subject::Customer),
                ast::Subject::Employee(_) => Some(Subject::Employee),
                ast::Subject::Key(path) => self.key_subject(path),
            };
            let Some(resolved) = resolved else {
                ok = false;
                continue;
            };
            if out.contains(&resolved) {
                let first = written[..i]
                    .iter()
                    .find(|w| same_subject(w, subject))
                    .map_or(subject.span(), ast::Subject::span);
                self.error(
                    Diagnostic::new(
                        Code::DUPLICATE_CLAUSE,
                        format!("`per {}` is given twice", resolved.key()),
                        subject.span(),
                        "given again here",
                    )
                    .secondary(first, "first given here")
                    .help("name each subject once"),
                );
                ok = false;
                continue;
            }
            out.push(resolved);
        }
        ok.then_some(out)
    }

    /// `per context.K`: K must be a `Key` attribute of the context.
    fn key_subject(&mut self, path: &ast::Path) -> Option<Subject> {
        let attr = path.kind.ident();
        let Some(i) = self.context.get(&attr.name).copied() else {
            let names: Vec<String> = self
                .model
                .context
                .iter()
                .filter(|a| a.ty == Type::Key)
                .map(|a| a.name.clone())
                .collect();
            let mut d = Diagnostic::new(
                Code::UNKNOWN_ATTRIBUTE,
                format!("unknown attribute `context.{}`", attr.name),
                attr.span,
                "not in the `context` schema",
            );
            d = match remit_diagnostics::did_you_mean(&attr.name, names.iter().map(String::as_str))
            {
                Some(s) => d.help(format!("did you mean `context.{s}`?")).fix(
                    format!("replace with `{s}`"),
                    attr.span,
                    s.to_string(),
                ),
                None => d.help(format!(
                    "declare it as a key in `context {{ … }}`, e.g. `{}: Key`",
                    attr.name
                )),
            };
            self.error(d);
            return None;
        };
        self.reference(attr.span, crate::model::Symbol::ContextAttr(i));
        let def = &self.model.context[i];
        if def.ty != Type::Key {
            let (ty, decl) = (def.ty.clone(), def.span);
            self.error(
                Diagnostic::new(
                    Code::TYPE_MISMATCH,
                    format!("uses are counted per key, but `context.{}` is `{ty}`", attr.name),
                    path.span,
                    format!("this is `{ty}`"),
                )
                .secondary(decl, "declared here")
                .help(format!("declare it as `{}: Key` (an opaque identifier such as a booking reference or an incident number)", attr.name)),
            );
            return None;
        }
        if def.optional {
            let decl = def.span;
            self.error(
                Diagnostic::new(
                    Code::TYPE_MISMATCH,
                    format!("uses are counted per `context.{}`, which a request may omit", attr.name),
                    path.span,
                    "an optional key",
                )
                .secondary(decl, "declared optional here")
                .help("a counter needs its key on every request: make the attribute required (remove its `?`)"),
            );
            return None;
        }
        Some(Subject::Key(attr.name.clone()))
    }

    /// Whether every action of a budget has exactly one `Money` parameter
    /// to sum, reporting each that does not.
    fn budget_actions(&mut self, span: Span, actions: &[ActionId]) -> bool {
        let mut ok = true;
        for &a in actions {
            let def = &self.model.actions[a];
            let money: Vec<&crate::model::AttrDef> =
                def.params.iter().filter(|p| p.ty == Type::Money).collect();
            if money.len() != 1 {
                ok = false;
                let (message, help) = if money.is_empty() {
                    (format!("`limit total` sums money, but action `{}` has no `Money` parameter", def.name), format!("give `{}` a `Money` parameter, or use a count limit `limit N per customer per WINDOW`", def.name))
                } else {
                    (format!("`limit total` needs exactly one `Money` parameter, but action `{}` has {}", def.name, money.len()), "a budget sums the one `Money` parameter of each action; split the action or the rule".to_string())
                };
                let d = Diagnostic::new(Code::INVALID_BUDGET, message, span, "budget here")
                    .secondary(def.span, "action declared here")
                    .help(help);
                self.error(d);
            }
        }
        ok
    }

    /// A counter's window: a sliding duration, a calendar period, or every
    /// use ever when none is written.
    fn window(&mut self, window: Option<&ast::Window>) -> Option<WindowDef> {
        let window = match window {
            None => return Some(WindowDef::All),
            Some(ast::Window::Calendar { period, .. }) => {
                return match Period::ALL.iter().find(|p| p.as_str() == period.name) {
                    Some(p) => Some(WindowDef::Calendar(*p)),
                    None => {
                        let names: Vec<&str> = Period::ALL.iter().map(|p| p.as_str()).collect();
                        self.unknown(
                            "calendar period",
                            period,
                            names.iter().copied(),
                            "a calendar window is `calendar day`, `calendar week`, `calendar month`, `calendar quarter` or `calendar year`",
                        );
                        None
                    }
                };
            }
            Some(ast::Window::Sliding(q)) => q,
        };
        if let Some(unit) = &window.unit {
            if unit.name == "month" || unit.name == "months" {
                self.error(
                    Diagnostic::new(
                        Code::WRONG_UNIT,
                        "months have no fixed length, so they are not a duration",
                        unit.span,
                        "not a duration unit",
                    )
                    .help("count since the first of the month with `per calendar month`, or use a fixed window such as `per 30 days`"),
                );
                return None;
            }
        }
        let w = quantity_value(window, &Type::Duration, "the window", None, &mut self.diags)?;
        if w <= 0 {
            self.error(
                Diagnostic::new(
                    Code::INVALID_NUMBER,
                    "a limit's window must be longer than zero",
                    window.span,
                    "an empty window",
                )
                .help("write a window such as `30 days`"),
            );
            return None;
        }
        Some(WindowDef::Sliding(w))
    }
}

/// Whether two written subjects name the same thing.
fn same_subject(a: &ast::Subject, b: &ast::Subject) -> bool {
    match (a, b) {
        (ast::Subject::Customer(_), ast::Subject::Customer(_))
        | (ast::Subject::Employee(_), ast::Subject::Employee(_)) => true,
        (ast::Subject::Key(p), ast::Subject::Key(q)) => p.kind.ident().name == q.kind.ident().name,
        _ => false,
    }
}

/// Definition node `i` of [`Checker::definition_cycles`]' graph (segments
/// first, then situations), with its kind.
fn node(model: &Model, segments: usize, i: usize) -> (&'static str, &DefinitionDef) {
    if i < segments {
        ("segment", &model.segments[SegmentId::from_index(i)])
    } else {
        (
            "situation",
            &model.situations[SituationId::from_index(i - segments)],
        )
    }
}

fn refs(cond: &Cond, segments: usize, out: &mut Vec<usize>) {
    match cond {
        Cond::And(v) | Cond::Or(v) => v.iter().for_each(|c| refs(c, segments, out)),
        Cond::Not(c) => refs(c, segments, out),
        Cond::Segment(i) => out.push(i.index()),
        Cond::Situation(i) => out.push(segments + i.index()),
        _ => {}
    }
}

fn reaches(edges: &[Vec<usize>], from: usize, to: usize) -> bool {
    let mut seen = vec![false; edges.len()];
    let mut stack = vec![from];
    while let Some(v) = stack.pop() {
        for &w in &edges[v] {
            if w == to {
                return true;
            }
            if !seen[w] {
                seen[w] = true;
                stack.push(w);
            }
        }
    }
    false
}
