//! Remit diagnostics as LSP diagnostics, grouped by file for publishing.

use crate::client_support::ClientSupport;
use crate::snapshot::{Snapshot, SnapshotFile};
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
pub fn publications(
    old: Option<&Snapshot>,
    new: &Snapshot,
    support: ClientSupport,
) -> Vec<Publication> {
    let mut per_file: Vec<Vec<lsp::Diagnostic>> = vec![Vec::new(); new.files.len()];
    for d in &new.analysis().diagnostics {
        if let Some(list) = per_file.get_mut(d.primary.span.file.0 as usize) {
            if let Some(converted) = to_lsp(new, d, support) {
                list.push(converted);
            }
        }
    }
    for (file, diagnostic) in unreadable(new, support) {
        if let Some(list) = per_file.get_mut(file.0 as usize) {
            list.insert(0, diagnostic);
        }
    }
    if let Some(problem) = &new.unlisted {
        for (file, list) in new.files.iter().zip(per_file.iter_mut()) {
            if file.version.is_some() {
                list.insert(0, unlisted(problem));
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

/// The errors for the policy's unreadable files (the same ones `remit
/// check` stops at): on the file itself, where the first bad byte is, and
/// at the top of every open document of the policy, since an editor
/// shows diagnostics only for the files it has open.
fn unreadable(snapshot: &Snapshot, support: ClientSupport) -> Vec<(FileId, lsp::Diagnostic)> {
    let mut out = Vec::new();
    for bad in &snapshot.unreadable {
        let (Some(source), Some(entry)) = (snapshot.source(bad.file), snapshot.file(bad.file))
        else {
            continue;
        };
        let text = source.text();
        let end = text
            .get(bad.offset..)
            .and_then(|rest| rest.chars().next())
            .map_or(bad.offset, |c| bad.offset + c.len_utf8());
        let name = entry.name();
        let Some(range) = snapshot
            .line_index(bad.file)
            .map(|i| i.range(bad.offset, end))
        else {
            continue;
        };
        let help =
            format!("help: save `{name}` as UTF-8 (`remit check` refuses the policy until then)");
        let error = |range, message: String, related| lsp::Diagnostic {
            range,
            severity: Some(DiagnosticSeverity::ERROR),
            source: Some(SOURCE.to_string()),
            message,
            related_information: related,
            ..lsp::Diagnostic::default()
        };
        out.push((
            bad.file,
            error(range, format!("{}\n{help}", bad.message), None),
        ));
        let location = lsp::Location::new(entry.uri.clone(), range);
        for (i, open) in snapshot.files.iter().enumerate() {
            let Ok(id) = u32::try_from(i).map(FileId) else {
                continue;
            };
            if open.version.is_none() || id == bad.file {
                continue;
            }
            let headline = format!("`{name}`, a file of this policy, is {}", bad.message);
            let (message, related) = if support.related_information {
                let related = DiagnosticRelatedInformation {
                    location: location.clone(),
                    message: "the first byte that is not UTF-8".to_string(),
                };
                (format!("{headline}\n{help}"), Some(vec![related]))
            } else {
                let at = format!(
                    "{name}:{}:{}",
                    range.start.line + 1,
                    range.start.character + 1
                );
                (format!("{headline}\nsee {at}\n{help}"), None)
            };
            out.push((id, error(lsp::Range::default(), message, related)));
        }
    }
    out
}

/// The error for a policy directory that could not be listed, at the top
/// of each open document: only the open files were analysed.
fn unlisted(problem: &str) -> lsp::Diagnostic {
    lsp::Diagnostic {
        range: lsp::Range::default(),
        severity: Some(DiagnosticSeverity::ERROR),
        source: Some(SOURCE.to_string()),
        message: format!(
            "cannot list this policy's directory, so only its open files are analysed: {problem}\n\
             help: make the directory readable (`remit check` stops at the same error)"
        ),
        ..lsp::Diagnostic::default()
    }
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

/// Converts one diagnostic (its file must be in the snapshot). Its
/// secondary labels become `relatedInformation` when the client supports
/// it, else lines of the message (`file:line:column: label`).
pub fn to_lsp(
    snapshot: &Snapshot,
    d: &Diagnostic,
    support: ClientSupport,
) -> Option<lsp::Diagnostic> {
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
    let (text, related_information) = if support.related_information || related.is_empty() {
        (message(d, &[]), (!related.is_empty()).then_some(related))
    } else {
        let lines: Vec<String> = d
            .secondary
            .iter()
            .zip(&related)
            .map(|(label, r)| {
                let name = snapshot
                    .file(label.span.file)
                    .map_or_else(String::new, SnapshotFile::name);
                let at = r.location.range.start;
                format!("{name}:{}:{}: {}", at.line + 1, at.character + 1, r.message)
            })
            .collect();
        (message(d, &lines), None)
    };
    Some(lsp::Diagnostic {
        range,
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.code.id.to_string())),
        code_description: docs_link(d.code)
            .and_then(|link| link.parse::<Uri>().ok())
            .map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_string()),
        message: text,
        related_information,
        tags: tags(d.code),
        data: None,
    })
}

/// The message: the headline, then the witness (summary line and one line
/// per outcome), then the related locations (`related`: for clients
/// without `relatedInformation`), then the help.
pub fn message(d: &Diagnostic, related: &[String]) -> String {
    let mut text = d.message.clone();
    if let Some(w) = &d.witness {
        text.push_str("\nwitness: ");
        text.push_str(&w.summary);
        for outcome in &w.outcomes {
            text.push_str("\n  ");
            text.push_str(outcome);
        }
    }
    for line in related {
        text.push('\n');
        text.push_str(line);
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

/// Whether a diagnostic's primary range is in `file` and meets the byte
/// range `start..=end` (inclusive at both ends, so a cursor touching it
/// counts).
pub fn meets(d: &Diagnostic, file: FileId, start: usize, end: usize) -> bool {
    let s = d.primary.span;
    s.file == file && (s.start as usize) <= end && start <= (s.end as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::fixture::*;

    const ALL: ClientSupport = ClientSupport {
        markdown_hover: true,
        related_information: true,
        watch_registration: true,
    };

    #[test]
    fn converts_codes_links_tags_and_witnesses() {
        let text = "policy p\ncurrency USD\nrole clerk\naction refund(amount: Money)\n\
                    segment nobody = false\n\
                    rule r {\n  permit clerk to refund\n  limit 2 per customer per 1 day\n}\n";
        let s = snapshot(&[("p.remit", text)]);
        let pubs = publications(None, &s, ALL);
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
        // A link only when the build knows where the docs are published.
        assert_eq!(
            unbounded.code_description.is_some(),
            remit_diagnostics::render::DOCS_URL.is_some()
        );
        if let Some(description) = &unbounded.code_description {
            assert!(description.href.as_str().ends_with("#unbounded_amount"));
        }
        assert!(unbounded.related_information.is_some());
        let unused = by_code("unused_declaration");
        assert_eq!(unused.severity, Some(DiagnosticSeverity::HINT));
        assert_eq!(unused.tags, Some(vec![DiagnosticTag::UNNECESSARY]));
    }

    #[test]
    fn related_information_is_folded_for_clients_without_it() {
        let text = "role clerk\nrole clerk\n";
        let s = snapshot(&[("p.remit", text)]);
        let d = s
            .analysis()
            .diagnostics
            .iter()
            .find(|d| !d.secondary.is_empty())
            .unwrap_or_else(|| panic!("{:#?}", s.analysis().diagnostics));
        let with = to_lsp(&s, d, ALL).unwrap();
        let related = with.related_information.as_ref().unwrap();
        let without = to_lsp(&s, d, ClientSupport::default()).unwrap();
        assert_eq!(without.related_information, None);
        let at = related[0].location.range.start;
        let line = format!(
            "p.remit:{}:{}: {}",
            at.line + 1,
            at.character + 1,
            related[0].message
        );
        assert!(without.message.contains(&line), "{}", without.message);
        // Before the help, which stays last.
        if let Some(help) = without.message.find("\nhelp: ") {
            assert!(without.message.find(&line).unwrap() < help);
        }
    }

    #[test]
    fn a_directory_that_cannot_be_listed_is_reported_on_open_files() {
        let mut s = snapshot(&[("a.remit", "role clerk\n"), ("b.remit", "role cashier\n")]);
        s.files[1].version = None;
        let s = s.with_unlisted(Some("/fixture: permission denied (os error 13)".into()));
        let pubs = publications(None, &s, ALL);
        assert_eq!(
            pubs[0].diagnostics[0].message,
            "cannot list this policy's directory, so only its open files are analysed: \
             /fixture: permission denied (os error 13)\n\
             help: make the directory readable (`remit check` stops at the same error)"
        );
        assert_eq!(
            pubs[0].diagnostics[0].severity,
            Some(DiagnosticSeverity::ERROR)
        );
        // A file that is not open is not where the editor looks.
        assert!(!pubs[1]
            .diagnostics
            .iter()
            .any(|d| d.message.starts_with("cannot list")));
    }

    #[test]
    fn unreadable_files_are_reported_on_themselves_and_on_open_files() {
        use crate::snapshot::Unreadable;
        let mut s = snapshot(&[("a.remit", "role clerk\n"), ("b.remit", "// caf\u{fffd}\n")]);
        s.files[1].version = None;
        let s = s.with_unreadable(vec![Unreadable {
            file: FileId(1),
            offset: 6,
            message: "not valid UTF-8 (byte 6); Remit sources must be UTF-8".into(),
        }]);
        for support in [ALL, ClientSupport::default()] {
            let pubs = publications(None, &s, support);
            let bad = &pubs[1].diagnostics[0];
            assert_eq!(bad.severity, Some(DiagnosticSeverity::ERROR));
            assert_eq!((bad.range.start.character, bad.range.end.character), (6, 7));
            assert_eq!(
                bad.message,
                "not valid UTF-8 (byte 6); Remit sources must be UTF-8\n\
                 help: save `b.remit` as UTF-8 (`remit check` refuses the policy until then)"
            );
            let open = &pubs[0].diagnostics[0];
            assert_eq!(open.range, lsp::Range::default());
            assert!(
                open.message
                    .starts_with("`b.remit`, a file of this policy, is not valid UTF-8 (byte 6)"),
                "{}",
                open.message
            );
            assert_eq!(
                open.related_information.is_some(),
                support.related_information
            );
            if !support.related_information {
                assert!(
                    open.message.contains("\nsee b.remit:1:7\n"),
                    "{}",
                    open.message
                );
            }
        }
    }
}
