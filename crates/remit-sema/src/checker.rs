//! Shared state of the checking passes and the helpers they all use.

use crate::model::{
    ActionId, ContextAttrId, CustomerAttrId, EnumId, IndexVec, Model, ObligationId, Reference,
    RoleId, RuleId, SegmentId, SituationId, Symbol, VariantId,
};
use remit_diagnostics::{did_you_mean, Code, Diagnostic, Span};
use remit_syntax::ast::Ident;
use std::collections::HashMap;

/// Name tables and the model being built.
#[derive(Default)]
pub(crate) struct Checker {
    pub model: Model,
    pub diags: Vec<Diagnostic>,
    pub enums: HashMap<String, EnumId>,
    pub roles: HashMap<String, RoleId>,
    pub actions: HashMap<String, ActionId>,
    pub obligations: HashMap<String, ObligationId>,
    /// Outcomes by name.
    pub outcomes: HashMap<String, crate::model::OutcomeId>,
    pub segments: HashMap<String, SegmentId>,
    pub situations: HashMap<String, SituationId>,
    pub rules: HashMap<String, RuleId>,
    pub customer: HashMap<String, CustomerAttrId>,
    pub context: HashMap<String, ContextAttrId>,
    /// Per enum: variant name → variant.
    pub variants: IndexVec<EnumId, HashMap<String, VariantId>>,
    pub money_without_currency_reported: bool,
}

impl Checker {
    pub fn reference(&mut self, span: Span, symbol: Symbol) {
        self.model.references.push(Reference {
            span,
            symbol,
            declaration: false,
        });
    }

    pub fn declaration(&mut self, span: Span, symbol: Symbol) {
        self.model.references.push(Reference {
            span,
            symbol,
            declaration: true,
        });
    }

    pub fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Reports an unknown name of some kind, with a suggestion from
    /// `candidates` and a fix that replaces it.
    pub fn unknown<'a>(
        &mut self,
        kind: &str,
        name: &Ident,
        candidates: impl IntoIterator<Item = &'a str>,
        how_to_declare: &str,
    ) {
        let mut d = Diagnostic::new(
            Code::UNKNOWN_NAME,
            format!("unknown {kind} `{}`", name.name),
            name.span,
            format!("no {kind} is called this"),
        );
        d = match did_you_mean(&name.name, candidates) {
            Some(s) => d.help(format!("did you mean `{s}`?")).fix(
                format!("replace with `{s}`"),
                name.span,
                s.to_string(),
            ),
            None => d.help(how_to_declare.to_string()),
        };
        self.error(d);
    }

    /// Resolves a role name, reporting it when unknown.
    pub fn resolve_role(&mut self, name: &Ident) -> Option<RoleId> {
        match self.roles.get(&name.name).copied() {
            Some(id) => {
                self.reference(name.span, Symbol::Role(id));
                Some(id)
            }
            None => {
                let names: Vec<String> = self.model.roles.iter().map(|r| r.name.clone()).collect();
                self.unknown(
                    "role",
                    name,
                    names.iter().map(String::as_str),
                    &format!("declare it with `role {}`", name.name),
                );
                None
            }
        }
    }

    /// Resolves an action name, reporting it when unknown.
    pub fn resolve_action(&mut self, name: &Ident) -> Option<ActionId> {
        match self.actions.get(&name.name).copied() {
            Some(id) => {
                self.reference(name.span, Symbol::Action(id));
                Some(id)
            }
            None => {
                let names: Vec<String> =
                    self.model.actions.iter().map(|a| a.name.clone()).collect();
                self.unknown(
                    "action",
                    name,
                    names.iter().map(String::as_str),
                    &format!("declare it with `action {}`", name.name),
                );
                None
            }
        }
    }

    /// Resolves an obligation name, reporting it when unknown.
    /// Resolves an outcome name (`aims`), reporting an unknown one.
    pub fn resolve_outcome(&mut self, name: &Ident) -> Option<crate::model::OutcomeId> {
        match self.outcomes.get(&name.name).copied() {
            Some(id) => {
                self.reference(name.span, Symbol::Outcome(id));
                Some(id)
            }
            None => {
                let names: Vec<String> =
                    self.model.outcomes.iter().map(|o| o.name.clone()).collect();
                self.unknown(
                    "outcome",
                    name,
                    names.iter().map(String::as_str),
                    &format!(
                        "declare it with `outcome {} \"what the organisation wants to happen\"`",
                        name.name
                    ),
                );
                None
            }
        }
    }

    /// Resolves an obligation name, reporting an unknown one.
    pub fn resolve_obligation(&mut self, name: &Ident) -> Option<ObligationId> {
        match self.obligations.get(&name.name).copied() {
            Some(id) => {
                self.reference(name.span, Symbol::Obligation(id));
                Some(id)
            }
            None => {
                let names: Vec<String> = self
                    .model
                    .obligations
                    .iter()
                    .map(|a| a.name.clone())
                    .collect();
                self.unknown(
                    "obligation",
                    name,
                    names.iter().map(String::as_str),
                    &format!(
                        "declare it with `obligation {} \"what the employee must do\"`",
                        name.name
                    ),
                );
                None
            }
        }
    }

    /// Resolves a variant of enum `enum_id`, reporting it when unknown.
    /// Constant time when it is known, however large the enum.
    pub fn resolve_variant(&mut self, enum_id: EnumId, name: &Ident) -> Option<String> {
        let def = self.model.enums.get(enum_id)?;
        if let Some(&v) = self.variants.get(enum_id).and_then(|m| m.get(&name.name)) {
            self.reference(name.span, Symbol::Variant(enum_id, v));
            return Some(name.name.clone());
        }
        let enum_name = def.name.clone();
        let variants: Vec<String> = def.variants.iter().map(|(v, _)| v.clone()).collect();
        let other_enum = self
            .variants
            .position(|m| m.contains_key(&name.name))
            .and_then(|e| self.model.enums.get(e))
            .map(|e| e.name.clone());
        let mut d = Diagnostic::new(
            Code::UNKNOWN_VARIANT,
            format!("`{}` is not a variant of `{enum_name}`", name.name),
            name.span,
            format!("expected a `{enum_name}`"),
        );
        if let Some(other) = other_enum {
            d = d.note(format!("`{}` is a variant of `{other}`", name.name));
        }
        d = match did_you_mean(&name.name, variants.iter().map(String::as_str)) {
            Some(s) => d.help(format!("did you mean `{s}`?")).fix(
                format!("replace with `{s}`"),
                name.span,
                s.to_string(),
            ),
            None => d.help(format!("`{enum_name}` has {}", list_some(&variants))),
        };
        self.error(d);
        None
    }
}

/// How many names a message lists before "and N more".
const LISTED: usize = 8;

/// Like [`list`], but past eight names "`a`, …, `h` and 92 more".
pub(crate) fn list_some(names: &[String]) -> String {
    if names.len() <= LISTED {
        return list(names);
    }
    let shown: Vec<String> = names[..LISTED].iter().map(|n| format!("`{n}`")).collect();
    format!("{} and {} more", shown.join(", "), names.len() - LISTED)
}

/// "`a`, `b` and `c`"
pub(crate) fn list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => "nothing".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
