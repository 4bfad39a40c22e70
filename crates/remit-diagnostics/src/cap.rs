//! Capping repeated diagnostics, so that a small hostile file cannot make
//! the output (or an editor's problem list) grow without bound.
//!
//! Per file and per code, the first [`MAX_PER_CODE_PER_FILE`] diagnostics
//! are kept; the rest are replaced by one summary diagnostic, "… and N
//! more", placed where the first omitted one was. The summary has the
//! same code, the most serious severity among those it replaces, and
//! [`Diagnostic::omitted`] set to how many it stands for, so counts stay
//! truthful ([`Diagnostic::count`]).

use crate::{Code, Diagnostic, FileId, Severity};
use std::collections::HashMap;

/// How many diagnostics with one code are shown for one file.
pub const MAX_PER_CODE_PER_FILE: usize = 100;

/// Keeps the first [`MAX_PER_CODE_PER_FILE`] diagnostics of each code in
/// each file (in the order given, which should be by position) and
/// replaces the rest of each with one "… and N more" diagnostic. A
/// diagnostic that already summarises others counts for all of them.
pub fn cap_repeats(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    cap_repeats_at(diagnostics, MAX_PER_CODE_PER_FILE)
}

/// [`cap_repeats`] with another cap (at least one).
pub fn cap_repeats_at(diagnostics: Vec<Diagnostic>, cap: usize) -> Vec<Diagnostic> {
    let cap = cap.max(1);
    struct Overflow {
        /// Index in `out` of the placeholder for the summary.
        slot: usize,
        omitted: usize,
        severity: Severity,
    }
    let mut shown: HashMap<(FileId, Code), usize> = HashMap::new();
    let mut overflow: HashMap<(FileId, Code), Overflow> = HashMap::new();
    let mut out: Vec<Option<Diagnostic>> = Vec::with_capacity(diagnostics.len().min(4096));
    for d in diagnostics {
        let key = (d.primary.span.file, d.code);
        let count = shown.entry(key).or_insert(0);
        if *count < cap {
            *count += 1;
            out.push(Some(d));
            continue;
        }
        match overflow.get_mut(&key) {
            Some(o) => {
                o.omitted += d.count();
                o.severity = o.severity.max(d.severity);
            }
            None => {
                overflow.insert(
                    key,
                    Overflow {
                        slot: out.len(),
                        omitted: d.count(),
                        severity: d.severity,
                    },
                );
                // The first omitted diagnostic holds the place (and the
                // span) of the summary.
                out.push(Some(d));
            }
        }
    }
    for ((_, code), o) in overflow {
        if let Some(slot) = out.get_mut(o.slot) {
            if let Some(first) = slot.take() {
                *slot = Some(summary(code, &first, o.omitted, o.severity, cap));
            }
        }
    }
    out.into_iter().flatten().collect()
}

fn summary(
    code: Code,
    first: &Diagnostic,
    omitted: usize,
    severity: Severity,
    cap: usize,
) -> Diagnostic {
    let what = match (severity, omitted) {
        (Severity::Error, 1) => "error",
        (Severity::Error, _) => "errors",
        (Severity::Warning, 1) => "warning",
        (Severity::Warning, _) => "warnings",
        (Severity::Hint, 1) => "hint",
        (Severity::Hint, _) => "hints",
    };
    let mut d = Diagnostic::new(
        code,
        format!("… and {omitted} more `{}` {what} in this file", code.name),
        first.primary.span,
        "the first one not shown",
    )
    .with_severity(severity)
    .note(format!(
        "only the first {cap} diagnostics with one code are shown for each file"
    ))
    .help("fix the ones shown and check again");
    d.omitted = omitted;
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Span;

    fn at(file: u32, start: usize, code: Code) -> Diagnostic {
        Diagnostic::new(code, "m", Span::new(FileId(file), start, start + 1), "l")
    }

    #[test]
    fn keeps_the_first_of_each_code_and_file_and_summarises_the_rest() {
        let mut input = Vec::new();
        for i in 0..10 {
            input.push(at(0, i, Code::SYNTAX_ERROR));
            input.push(at(0, i, Code::DUPLICATE_NAME));
            input.push(at(1, i, Code::SYNTAX_ERROR));
        }
        let out = cap_repeats_at(input, 3);
        // Three kept and one summary for each of the three (file, code).
        assert_eq!(out.len(), 12);
        let summaries: Vec<&Diagnostic> = out.iter().filter(|d| d.omitted > 0).collect();
        assert_eq!(summaries.len(), 3);
        for s in &summaries {
            assert_eq!(s.omitted, 7);
            assert_eq!(s.primary.span.start, 3, "placed at the first omitted one");
            assert!(s.message.starts_with("… and 7 more `"), "{}", s.message);
            assert!(s.message.ends_with("errors in this file"), "{}", s.message);
        }
        let total: usize = out.iter().map(Diagnostic::count).sum();
        assert_eq!(total, 30, "counts stay truthful");
    }

    #[test]
    fn nothing_changes_under_the_cap() {
        let input: Vec<Diagnostic> = (0..5).map(|i| at(0, i, Code::SYNTAX_ERROR)).collect();
        assert_eq!(cap_repeats_at(input.clone(), 5), input);
    }

    #[test]
    fn summaries_of_summaries_add_up_and_take_the_worst_severity() {
        let mut input: Vec<Diagnostic> = (0..3)
            .map(|i| at(0, i, Code::SHADOWED_RULE).with_severity(Severity::Hint))
            .collect();
        let mut earlier = at(0, 9, Code::SHADOWED_RULE);
        earlier.omitted = 40;
        input.push(earlier);
        let out = cap_repeats_at(input, 2);
        assert_eq!(out.len(), 3);
        assert_eq!(out[2].omitted, 41);
        assert_eq!(out[2].severity, Severity::Warning);
        assert!(out[2].message.contains("41 more `shadowed_rule` warnings"));
    }
}
