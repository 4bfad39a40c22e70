//! The diagnostic type every layer reports.

use crate::{Code, Span};
use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A hint: something worth tidying.
    Hint,
    /// A warning: probably a mistake.
    Warning,
    /// An error: the policy cannot be compiled as written.
    Error,
}

impl Severity {
    /// `error`, `warning` or `hint`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Hint => "hint",
        }
    }
}

/// A place in the source with a short message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What about it (may be empty).
    pub message: String,
}

impl Label {
    /// A label with a message.
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Label {
            span,
            message: message.into(),
        }
    }
}

/// One replacement in one file: the text of `span` becomes `new_text`
/// (an empty span inserts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// The text to replace, by byte offsets.
    pub span: Span,
    /// The new text.
    pub new_text: String,
}

/// A machine-applicable fix, computed where the finding is made (or by
/// `remit-analysis`'s fix layer from the model and the source), and
/// carried by every output: the editor's quick fix, `--format json`,
/// SARIF `fixes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What the fix does, e.g. "replace with `customer.tier`".
    pub title: String,
    /// The edits, applied together.
    pub edits: Vec<Edit>,
    /// Whether this is the fix to apply when the user asks for "the" fix
    /// (an editor's preferred quick fix). At most one per diagnostic.
    pub preferred: bool,
}

impl Fix {
    /// A fix of one edit.
    pub fn new(title: impl Into<String>, span: Span, new_text: impl Into<String>) -> Self {
        Fix {
            title: title.into(),
            edits: vec![Edit {
                span,
                new_text: new_text.into(),
            }],
            preferred: false,
        }
    }

    /// Marks the fix preferred.
    pub fn preferred(mut self) -> Self {
        self.preferred = true;
        self
    }
}

/// Facts about a finding that its message gives in words, for tools and
/// fixes that must not parse English. Serialised with a `kind` tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Data {
    /// `unbounded_amount`: a permit lets `parameter` of `action` grow
    /// without bound.
    UnboundedParameter {
        /// The rule.
        rule: String,
        /// The action.
        action: String,
        /// The parameter.
        parameter: String,
    },
}

/// A concrete request that shows an analysis problem.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Witness {
    /// One line in the policy's own terms:
    /// `front_desk · refund · amount 60.00 USD · customer.tier = gold`.
    pub summary: String,
    /// What each rule involved decides for it, one line each.
    pub outcomes: Vec<String>,
    /// The request in the table's request format, ready for `remit eval`.
    pub request: serde_json::Value,
}

/// One problem found in a policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Error, warning or hint.
    pub severity: Severity,
    /// The stable code.
    pub code: Code,
    /// The headline: lowercase, no final period, user text in backticks.
    pub message: String,
    /// The one place the problem is.
    pub primary: Label,
    /// Other places that matter (the other rule, the first definition).
    pub secondary: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
    /// Further explanation lines.
    pub notes: Vec<String>,
    /// For analysis findings: the request that shows the problem.
    pub witness: Option<Witness>,
    /// Fixes, the preferred one (if any) first.
    pub fixes: Vec<Fix>,
    /// What the message says, as data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Data>,
    /// For a "… and N more" summary ([`crate::cap_repeats`]): how many
    /// diagnostics it stands for. Zero for an ordinary diagnostic.
    #[serde(skip_serializing_if = "is_zero")]
    pub omitted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Diagnostic {
    /// A diagnostic with the code's default severity.
    pub fn new(
        code: Code,
        message: impl Into<String>,
        primary: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: code.severity,
            code,
            message: message.into(),
            primary: Label::new(primary, label),
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
            witness: None,
            fixes: Vec::new(),
            data: None,
            omitted: 0,
        }
    }

    /// Adds a secondary label.
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label::new(span, message));
        self
    }

    /// Sets the help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a note line.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Attaches a witness.
    pub fn witness(mut self, witness: Witness) -> Self {
        self.witness = Some(witness);
        self
    }

    /// Adds a fix of one edit; the first fix added is the preferred one.
    pub fn fix(self, title: impl Into<String>, span: Span, new_text: impl Into<String>) -> Self {
        let fix = Fix::new(title, span, new_text);
        let fix = if self.fixes.is_empty() {
            fix.preferred()
        } else {
            fix
        };
        self.with_fix(fix)
    }

    /// Adds a fix as it is.
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fixes.push(fix);
        self
    }

    /// Attaches the finding's facts.
    pub fn data(mut self, data: Data) -> Self {
        self.data = Some(data);
        self
    }

    /// Overrides the severity.
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// How many problems this diagnostic reports: one, or for a "… and N
    /// more" summary, the N it stands for.
    pub fn count(&self) -> usize {
        self.omitted.max(1)
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Ordering key: file, position, code.
    pub fn sort_key(&self) -> (u32, u32, u32, &'static str) {
        (
            self.primary.span.file.0,
            self.primary.span.start,
            self.primary.span.end,
            self.code.id,
        )
    }
}

/// What a caught panic says: its message when it has one (a `&str` or a
/// `String`, as `panic!` makes), for reporting it instead of losing it.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string())
}

/// Suggests the closest of `candidates` to `name`, if any is close enough
/// to be a plausible typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (strsim::osa_distance(name, c), c))
        .filter(|(d, c)| *d <= (name.len().max(c.len()) / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_messages_are_kept() {
        let caught = std::panic::catch_unwind(|| panic!("boom {}", 1)).unwrap_err();
        assert_eq!(panic_message(&*caught), "boom 1");
        let caught = std::panic::catch_unwind(|| panic!("plain")).unwrap_err();
        assert_eq!(panic_message(&*caught), "plain");
        let caught = std::panic::catch_unwind(|| std::panic::panic_any(7)).unwrap_err();
        assert_eq!(panic_message(&*caught), "no message");
    }

    #[test]
    fn suggests_near_misses_only() {
        let names = ["tier", "tenure_days", "nights_this_year"];
        assert_eq!(did_you_mean("teir", names), Some("tier"));
        assert_eq!(did_you_mean("tenure_day", names), Some("tenure_days"));
        assert_eq!(did_you_mean("colour", names), None);
    }
}
