//! Remit diagnostics as LSP diagnostics, grouped by file for publishing.

use crate::snapshot::Snapshot;
use remit_diagnostics::{render::docs_link, Code, Diagnostic, FileId, Severity};
use tower_lsp_server::ls_types::{
    self as lsp, CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag,
    NumberOrString, Uri,
};

/// The `source` of every diagnostic this server publishes.
pub const SOURCE: &str = "remit";

/// One `textDocument/publishDiagnostics` notification.
#[derive(Debug, Clone)]
pub struct Publication {
    /// The document.
    pub uri: Uri,
    /// Its diagnostics (possibly none, which clears old ones).
    pub diagnostics: Vec<lsp::Diagnostic>,
    /// The version analysed, for open documents.
    pub version: Option<i32>,
}

/// What to publish after `new` replaced `old`: every file of the new
/// snapshot, and an empty list for each file that left the policy.
pub fn publications(old: Option<&Snapshot>, new: &Snapshot) -> Vec<Publication> {
    let mut per_file: Vec<Vec<lsp::Diagnostic>> = vec![Vec::new(); new.files.len()];
    for d in &new.analysis.diagnostics {
        if let Some(list) = per_file.get_mut(d.primary.span.file.0 as usize) {
            if let Some(converted) = to_lsp(new, d) {
                list.push(converted);
            }
        }
    }
    let mut out: Vec<Publication> = new
        .files
        .iter()
        .zip(per_file)
        .map(|(f, diagnostics)| Publication {
            uri: f.uri.clone(),
            diagnostics,
            version: f.version,
        })
        .collect();
    if let Some(old) = old {
        out.extend(cleared(old, Some(new)));
    }
    out
}

/// Empty lists for the files of `old` that are not in `new`.
pub fn cleared(old: &Snapshot, new: Option<&Snapshot>) -> Vec<Publication> {
    old.files
        .iter()
        .filter(|f| new.is_none_or(|n| n.file_id(&f.key).is_none()))
        .map(|f| Publication {
            uri: f.uri.clone(),
            diagnostics: Vec::new(),
            version: None,
        })
        .collect()
}

/// Converts one diagnostic (its file must be in the snapshot).
pub fn to_lsp(snapshot: &Snapshot, d: &Diagnostic) -> Option<lsp::Diagnostic> {
    let range = snapshot.range(d.primary.span)?;
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|label| {
            Some(DiagnosticRelatedInformation {
                location: snapshot.location(label.span)?,
                message: if label.message.is_empty() {
                    "see also".to_string()
                } else {
                    label.message.clone()
                },
            })
        })
        .collect();
    Some(lsp::Diagnostic {
        range,
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.code.id.to_string())),
        code_description: docs_link(d.code)
            .parse::<Uri>()
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_string()),
        message: message(d),
        related_information: (!related.is_empty()).then_some(related),
        tags: tags(d.code),
        data: None,
    })
}

/// The message: the headline, then the witness (summary line and one line
/// per outcome), then the help.
pub fn message(d: &Diagnostic) -> String {
    let mut text = d.message.clone();
    if let Some(w) = &d.witness {
        text.push_str("\nwitness: ");
        text.push_str(&w.summary);
        for outcome in &w.outcomes {
            text.push_str("\n  ");
            text.push_str(outcome);
        }
    }
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    text
}

/// The LSP severity.
pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

fn tags(code: Code) -> Option<Vec<DiagnosticTag>> {
    (code == Code::REDUNDANT_RULE || code == Code::UNUSED_DECLARATION)
        .then(|| vec![DiagnosticTag::UNNECESSARY])
}

/// The diagnostics of one file whose primary range meets `range` (byte
/// offsets, inclusive at both ends so a cursor touching one counts).
pub fn in_range(
    snapshot: &Snapshot,
    file: FileId,
    start: usize,
    end: usize,
) -> impl Iterator<Item = &Diagnostic> + '_ {
    snapshot.analysis.diagnostics.iter().filter(move |d| {
        let s = d.primary.span;
        s.file == file && (s.start as usize) <= end && start <= (s.end as usize)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::fixture::*;

    #[test]
    fn converts_codes_links_tags_and_witnesses() {
        let text = "policy p\ncurrency USD\nrole clerk\naction refund(amount: Money)\n\
                    segment nobody = false\n\
                    rule r {\n  permit clerk to refund\n  limit 2 per customer per 1 day\n}\n";
        let s = snapshot(&[("p.remit", text)]);
        let pubs = publications(None, &s);
        assert_eq!(pubs.len(), 1);
        assert_eq!(pubs[0].version, Some(1));
        let by_code = |c: &str| {
            pubs[0]
                .diagnostics
                .iter()
                .find(|d| d.code == Some(NumberOrString::String(c.into())))
                .unwrap_or_else(|| panic!("no {c} in {:#?}", pubs[0].diagnostics))
        };
        let unbounded = by_code("unbounded_amount");
        assert_eq!(unbounded.severity, Some(DiagnosticSeverity::ERROR));
        assert_eq!(unbounded.source.as_deref(), Some("remit"));
        assert!(unbounded.message.contains("\nwitness: clerk · refund"));
        assert!(unbounded
            .code_description
            .as_ref()
            .unwrap()
            .href
            .as_str()
            .ends_with("#unbounded_amount"));
        assert!(unbounded.related_information.is_some());
        let unused = by_code("unused_declaration");
        assert_eq!(unused.severity, Some(DiagnosticSeverity::HINT));
        assert_eq!(unused.tags, Some(vec![DiagnosticTag::UNNECESSARY]));
    }
}
