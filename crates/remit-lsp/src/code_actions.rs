//! Quick fixes: every fix a diagnostic carries ("did you mean", add a
//! currency, …), a missing cap for `unbounded_amount`, a missing
//! per-customer count for `unbounded_frequency`, `for any customer`
//! for `unscoped_customers`, and `@allow(lint)` above the rule for any
//! lint finding on a rule.

use crate::client_support::ClientSupport;
use crate::diagnostics::{meets, to_lsp};
use crate::snapshot::Snapshot;
use remit_diagnostics::{Code, Diagnostic, FileId, Span};
use remit_sema::model::{Model, RuleDef, Type};
use remit_sema::units::{format_duration, format_money};
use remit_syntax::ast::{ItemKind, Per};
use std::collections::HashMap;
use tower_lsp_server::ls_types::{
    self as lsp, CodeAction, CodeActionKind, TextEdit, Uri, WorkspaceEdit,
};

/// One edit: a span of the snapshot and its replacement.
struct Edit {
    title: String,
    span: Span,
    text: String,
    preferred: bool,
}

/// The quick fixes for the diagnostics of a file whose primary range meets
/// the byte range `start..=end`, and for those the client names in the
/// request's `context.diagnostics` wherever the range is (clients send the
/// diagnostics of the cursor's line, and expect their fixes there).
pub fn code_actions(
    snapshot: &Snapshot,
    file: FileId,
    (start, end): (usize, usize),
    asked: &[lsp::Diagnostic],
    support: ClientSupport,
) -> Vec<CodeAction> {
    let mut out: Vec<CodeAction> = Vec::new();
    let mut seen: Vec<(Span, String)> = Vec::new();
    for d in snapshot.analysis.diagnostics.iter() {
        let touched = meets(d, file, start, end);
        if !touched && (asked.is_empty() || d.primary.span.file != file) {
            continue;
        }
        let Some(lsp_diagnostic) = to_lsp(snapshot, d, support) else {
            continue;
        };
        if !touched && !asked.iter().any(|a| same_diagnostic(a, &lsp_diagnostic)) {
            continue;
        }
        for edit in edits_for(snapshot, d) {
            let key = (edit.span, edit.text.trim().to_string());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let Some(action) = action(snapshot, edit, lsp_diagnostic.clone()) else {
                continue;
            };
            out.push(action);
        }
    }
    out
}

/// Whether a diagnostic the client sent back is this one: the same code
/// and range, or (for a client that moved its range) the same code,
/// message and first line.
fn same_diagnostic(asked: &lsp::Diagnostic, ours: &lsp::Diagnostic) -> bool {
    asked.code == ours.code
        && (asked.range == ours.range
            || (asked.message == ours.message && asked.range.start.line == ours.range.start.line))
}

fn action(
    snapshot: &Snapshot,
    edit: Edit,
    diagnostic: tower_lsp_server::ls_types::Diagnostic,
) -> Option<CodeAction> {
    let uri: Uri = snapshot.uri(edit.span.file)?.clone();
    let range = snapshot.range(edit.span)?;
    let mut changes = HashMap::new();
    changes.insert(uri, vec![TextEdit::new(range, edit.text)]);
    Some(CodeAction {
        title: edit.title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic]),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }),
        is_preferred: edit.preferred.then_some(true),
        ..CodeAction::default()
    })
}

fn edits_for(snapshot: &Snapshot, d: &Diagnostic) -> Vec<Edit> {
    let mut edits: Vec<Edit> = Vec::new();
    let rule = rule_at(snapshot.model(), d.primary.span);
    if d.code == Code::UNBOUNDED_AMOUNT {
        if let Some(e) = rule.and_then(|r| missing_cap(snapshot, d, r)) {
            edits.push(e);
        }
    }
    if d.code == Code::UNBOUNDED_FREQUENCY {
        if let Some(e) = rule.and_then(|r| missing_frequency(snapshot, r)) {
            edits.push(e);
        }
    }
    if d.code == Code::UNSCOPED_CUSTOMERS {
        if let Some(r) = rule {
            edits.push(Edit {
                title: "add `for any customer`".to_string(),
                span: Span {
                    start: r.effect_span.end,
                    ..r.effect_span
                },
                text: format!("\n{}for any customer", indent_of(snapshot, r.effect_span)),
                preferred: true,
            });
        }
    }
    for (i, fix) in d.fixes.iter().enumerate() {
        edits.push(Edit {
            title: fix.title.clone(),
            span: fix.span,
            text: fix.replacement.clone(),
            preferred: i == 0 && edits.is_empty(),
        });
    }
    if d.code.is_lint() {
        if let Some(e) = rule.and_then(|r| allow(snapshot, d.code, r)) {
            edits.push(e);
        }
    }
    edits
}

/// The rule a diagnostic is on: the rule whose item holds its primary span.
fn rule_at(model: &Model, span: Span) -> Option<&RuleDef> {
    model
        .rules
        .iter()
        .filter(|r| {
            r.span.file == span.file && r.span.start <= span.start && span.end <= r.span.end
        })
        .min_by_key(|r| r.span.end - r.span.start)
}

/// The leading whitespace of the line holding `span`.
fn indent_of(snapshot: &Snapshot, span: Span) -> String {
    let Some(source) = snapshot.source(span.file) else {
        return "  ".to_string();
    };
    let text = source.text();
    let start = text
        .get(..span.start as usize)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    text.get(start..)
        .unwrap_or("")
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// `limit PARAM <= VALUE` before the rule's closing brace. The value is the
/// smallest cap other permits put on that parameter, else zero (to be
/// raised): never more than the policy already allows somewhere.
fn missing_cap(snapshot: &Snapshot, d: &Diagnostic, rule: &RuleDef) -> Option<Edit> {
    let model = snapshot.model();
    let param = d
        .message
        .split("no upper bound on `")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .map(str::to_string)
        .or_else(|| {
            rule.actions.iter().find_map(|a| {
                model.actions.get(*a)?.params.iter().find_map(|p| {
                    (matches!(p.ty, Type::Money | Type::Int)
                        && !rule.caps.iter().any(|c| c.param == p.name))
                    .then(|| p.name.clone())
                })
            })
        })?;
    let ty = rule
        .actions
        .iter()
        .find_map(|a| model.actions.get(*a)?.param(&param).map(|p| p.ty.clone()))?;
    let existing = model
        .rules
        .iter()
        .filter(|r| r.name != rule.name && r.ok)
        .filter(|r| r.actions.iter().any(|a| rule.actions.contains(a)))
        .flat_map(|r| r.caps.iter().filter(|c| c.param == param).map(|c| c.max))
        .min();
    let value = existing.unwrap_or(0);
    let literal = match ty {
        Type::Money => format_money(value, model.currency.as_ref()),
        Type::Duration => format!("{value} minutes"),
        _ => value.to_string(),
    };
    let cap = format!("limit {param} <= {literal}");
    let title = if existing.is_some() {
        format!("add `{cap}` (the smallest cap on `{param}` elsewhere)")
    } else {
        format!("add `{cap}` (then raise it)")
    };
    last_clause(snapshot, rule, title, cap)
}

/// `limit N per customer per WINDOW` before the rule's closing brace: the
/// tightest per-customer count other rules put on the same actions (fewest
/// uses, then longest window), else once in 30 days (to be adjusted).
fn missing_frequency(snapshot: &Snapshot, rule: &RuleDef) -> Option<Edit> {
    let model = snapshot.model();
    let existing = model
        .rules
        .iter()
        .filter(|r| r.name != rule.name && r.ok)
        .filter(|r| r.actions.iter().any(|a| rule.actions.contains(a)))
        .flat_map(|r| r.counts.iter().filter(|c| c.per == Per::Customer))
        .min_by_key(|c| (c.count, std::cmp::Reverse(c.window_minutes)))
        .map(|c| (c.count, c.window_minutes));
    let (count, window) = existing.unwrap_or((1, 30 * 1440));
    let limit = format!("limit {count} per customer per {}", format_duration(window));
    let title = if existing.is_some() {
        format!("add `{limit}` (the tightest such limit elsewhere)")
    } else {
        format!("add `{limit}` (then adjust it)")
    };
    last_clause(snapshot, rule, title, limit)
}

/// An edit that adds `clause` as the rule's last clause, on its own line
/// before the closing brace, indented like the effect line.
fn last_clause(snapshot: &Snapshot, rule: &RuleDef, title: String, clause: String) -> Option<Edit> {
    let text = snapshot.source(rule.body_end.file)?.text();
    let mut at = (rule.body_end.start as usize).min(text.len());
    while at > 0
        && text
            .as_bytes()
            .get(at - 1)
            .is_some_and(u8::is_ascii_whitespace)
    {
        at -= 1;
    }
    Some(Edit {
        title,
        span: Span::new(rule.body_end.file, at, at),
        text: format!("\n{}{clause}", indent_of(snapshot, rule.effect_span)),
        preferred: true,
    })
}

/// `@allow(lint)` above the rule, or the lint added to its `@allow`.
fn allow(snapshot: &Snapshot, lint: Code, rule: &RuleDef) -> Option<Edit> {
    let ast = snapshot.ast(rule.span.file)?;
    let item = ast
        .items
        .iter()
        .find(|i| matches!(&i.kind, ItemKind::Rule(r) if r.name.span == rule.name_span))?;
    let title = format!("allow `{}` for rule `{}`", lint.name, rule.name);
    if let Some(existing) = item
        .annotations
        .iter()
        .find(|a| a.name.name == "allow" && !a.lints.is_empty())
    {
        if existing.lints.iter().any(|l| l.name == lint.name) {
            return None;
        }
        let last = existing.lints.last()?;
        return Some(Edit {
            title,
            span: Span {
                start: last.span.end,
                ..last.span
            },
            text: format!(", {}", lint.name),
            preferred: false,
        });
    }
    Some(Edit {
        title,
        span: Span {
            end: item.span.start,
            ..item.span
        },
        text: format!("@allow({})\n{}", lint.name, indent_of(snapshot, item.span)),
        preferred: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::fixture::*;

    /// Applies every action's edit to the text, one action at a time.
    fn applied(text: &str) -> Vec<(String, String)> {
        let s = snapshot(&[("p.remit", text)]);
        let index = s.line_index(FileId(0)).unwrap();
        code_actions(
            &s,
            FileId(0),
            (0, text.len()),
            &[],
            ClientSupport::default(),
        )
        .into_iter()
        .map(|a| {
            let changes = a.edit.unwrap().changes.unwrap();
            let edit = changes.values().next().unwrap()[0].clone();
            let start = index.offset(edit.range.start);
            let end = index.offset(edit.range.end);
            let mut out = text.to_string();
            out.replace_range(start..end, &edit.new_text);
            (a.title, out)
        })
        .collect()
    }

    const HEAD: &str =
        "currency USD\ncustomer { vip: Bool }\nrole clerk\naction refund(amount: Money)\n";

    #[test]
    fn unbounded_amount_gets_a_cap() {
        let text = format!(
            "{HEAD}rule small {{\n  permit clerk to refund\n  for any customer\n  limit amount <= 20 USD\n  limit 1 per customer per 1 day\n}}\n\
             rule open {{\n  permit clerk to refund\n  for any customer\n  limit 1 per customer per 1 day\n}}\n"
        );
        let actions = applied(&text);
        let (title, fixed) = actions
            .iter()
            .find(|(t, _)| t.starts_with("add `limit"))
            .unwrap();
        assert_eq!(
            title,
            "add `limit amount <= 20.00 USD` (the smallest cap on `amount` elsewhere)"
        );
        assert!(
            fixed.contains("  limit 1 per customer per 1 day\n  limit amount <= 20.00 USD\n}\n"),
            "{fixed}"
        );
        let s = snapshot(&[("p.remit", fixed)]);
        assert!(!s.analysis.has_errors(), "{:?}", s.analysis.diagnostics);
    }

    #[test]
    fn unbounded_frequency_gets_a_count_limit() {
        let text = format!(
            "{HEAD}rule daily {{\n  permit clerk to refund\n  for any customer\n  limit amount <= 20 USD\n  limit 3 per customer per 1 day\n}}\n\
             rule weekly {{\n  permit clerk to refund\n  for customer.vip\n  limit amount <= 20 USD\n  limit 2 per customer per 7 days\n}}\n\
             rule open {{\n  permit clerk to refund\n  for any customer\n  limit amount <= 20 USD\n}}\n"
        );
        let actions = applied(&text);
        let (title, fixed) = actions
            .iter()
            .find(|(t, _)| t.starts_with("add `limit 2"))
            .unwrap_or_else(|| panic!("{actions:#?}"));
        assert_eq!(
            title,
            "add `limit 2 per customer per 1 week` (the tightest such limit elsewhere)"
        );
        assert!(
            fixed.contains("  limit amount <= 20 USD\n  limit 2 per customer per 1 week\n}\n"),
            "{fixed}"
        );
        let s = snapshot(&[("p.remit", fixed)]);
        assert!(
            !s.analysis
                .diagnostics
                .iter()
                .any(|d| d.code == Code::UNBOUNDED_FREQUENCY),
            "{:?}",
            s.analysis.diagnostics
        );
    }

    #[test]
    fn unbounded_frequency_without_a_model_limit_proposes_one() {
        let text = format!(
            "{HEAD}rule open {{\n  permit clerk to refund\n  for any customer\n  limit amount <= 20 USD\n}}\n"
        );
        let actions = applied(&text);
        let (_, fixed) = actions
            .iter()
            .find(|(t, _)| t == "add `limit 1 per customer per 30 days` (then adjust it)")
            .unwrap();
        let s = snapshot(&[("p.remit", fixed)]);
        assert!(!s.analysis.has_errors(), "{:?}", s.analysis.diagnostics);
    }

    #[test]
    fn unscoped_customers_and_allow() {
        let text = format!(
            "{HEAD}/// doc\nrule r {{\n  permit clerk to refund\n  limit amount <= 20 USD\n  limit 1 per customer per 1 day\n}}\n"
        );
        let actions = applied(&text);
        let titles: Vec<_> = actions.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            titles,
            [
                "add `for any customer`",
                "allow `unscoped_customers` for rule `r`"
            ]
        );
        assert!(actions[0]
            .1
            .contains("  permit clerk to refund\n  for any customer\n  limit amount"));
        assert!(actions[1]
            .1
            .contains("/// doc\n@allow(unscoped_customers)\nrule r {"));
        for (_, fixed) in &actions {
            let s = snapshot(&[("p.remit", fixed)]);
            assert!(
                !s.analysis
                    .diagnostics
                    .iter()
                    .any(|d| d.code == Code::UNSCOPED_CUSTOMERS),
                "{fixed}"
            );
        }
    }

    #[test]
    fn allow_extends_an_existing_annotation() {
        let text = format!(
            "{HEAD}@allow(unbounded_frequency)\nrule r {{\n  permit clerk to refund\n  limit amount <= 20 USD\n}}\n"
        );
        let actions = applied(&text);
        let (_, fixed) = actions
            .iter()
            .find(|(t, _)| t == "allow `unscoped_customers` for rule `r`")
            .unwrap();
        assert!(fixed.contains("@allow(unbounded_frequency, unscoped_customers)\nrule r"));
    }

    #[test]
    fn did_you_mean_fixes() {
        let text = format!(
            "{HEAD}rule r {{\n  permit clerc to refund\n  for any customer\n  limit amount <= 20 USD\n}}\n"
        );
        let actions = applied(&text);
        assert_eq!(actions[0].0, "replace with `clerk`");
        assert!(actions[0].1.contains("permit clerk to refund"));
    }

    #[test]
    fn the_diagnostics_the_client_names_get_their_fixes_anywhere() {
        let text = format!("{HEAD}rule r {{\n  permit clerk to refund\n  for customer.vipp\n}}\n");
        let s = snapshot(&[("p.remit", &text)]);
        let support = ClientSupport::default();
        let unknown = s
            .analysis
            .diagnostics
            .iter()
            .find(|d| s.slice(d.primary.span) == "vipp")
            .unwrap();
        let published = to_lsp(&s, unknown, support).unwrap();
        // The cursor at the start of the line, outside the diagnostic.
        let line = offset_of(&s, "  for customer.vipp", 0, 0);
        let titles = |asked: &[lsp::Diagnostic]| -> Vec<String> {
            code_actions(&s, FileId(0), (line, line), asked, support)
                .into_iter()
                .map(|a| a.title)
                .collect()
        };
        assert_eq!(titles(&[]), Vec::<String>::new());
        let fixes = titles(std::slice::from_ref(&published));
        assert!(fixes.iter().any(|t| t.contains("`vip`")), "{fixes:?}");
        // A client that widened the range to the line still matches.
        let mut widened = published.clone();
        widened.range.start.character = 0;
        widened.range.end.character = 99;
        assert_eq!(titles(&[widened]), fixes);
        // A diagnostic the server never published matches nothing.
        let mut other = published;
        other.code = Some(lsp::NumberOrString::String("not_ours".into()));
        assert_eq!(titles(&[other]), Vec::<String>::new());
    }
}
