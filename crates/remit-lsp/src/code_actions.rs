//! Quick fixes: the typed fixes every diagnostic carries (computed below
//! the protocol: the front end's "did you mean", and `remit-analysis`'s
//! fixes for lints), translated into code actions.

use crate::client_support::ClientSupport;
use crate::diagnostics::{meets, to_lsp};
use crate::snapshot::Snapshot;
use remit_diagnostics::{FileId, Fix, Span};
use std::collections::HashMap;
use tower_lsp_server::ls_types::{
    self as lsp, CodeAction, CodeActionKind, TextEdit, Uri, WorkspaceEdit,
};

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
    let mut seen: Vec<Vec<(Span, String)>> = Vec::new();
    for d in snapshot.analysis().diagnostics.iter() {
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
        for fix in &d.fixes {
            // One action per edit, however many diagnostics offer it (two
            // findings on one rule offer the same cap).
            let key: Vec<(Span, String)> = fix
                .edits
                .iter()
                .map(|e| (e.span, e.new_text.trim().to_string()))
                .collect();
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let Some(action) = action(snapshot, fix, lsp_diagnostic.clone()) else {
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

fn action(snapshot: &Snapshot, fix: &Fix, diagnostic: lsp::Diagnostic) -> Option<CodeAction> {
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for edit in &fix.edits {
        let uri: Uri = snapshot.uri(edit.span.file)?.clone();
        let range = snapshot.range(edit.span)?;
        changes
            .entry(uri)
            .or_default()
            .push(TextEdit::new(range, edit.new_text.clone()));
    }
    Some(CodeAction {
        title: fix.title.clone(),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic]),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }),
        is_preferred: fix.preferred.then_some(true),
        ..CodeAction::default()
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

    /// The fixes themselves are computed (and tested) in
    /// `remit-analysis/src/fixes.rs`; here, that a lint's fixes become
    /// actions, the preferred one marked.
    #[test]
    fn lint_fixes_become_actions() {
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
        let s = snapshot(&[("p.remit", &text)]);
        let preferred: Vec<Option<bool>> = code_actions(
            &s,
            FileId(0),
            (0, text.len()),
            &[],
            ClientSupport::default(),
        )
        .into_iter()
        .map(|a| a.is_preferred)
        .collect();
        assert_eq!(preferred, [Some(true), None]);
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
            .analysis()
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
