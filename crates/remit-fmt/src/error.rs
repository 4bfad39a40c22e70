//! Why a file was not formatted.

use remit_diagnostics::Diagnostic;
use std::fmt;

/// The file does not parse, so it was not formatted: formatting a broken
/// file could lose the text the parser skipped.
#[derive(Debug, Clone)]
pub struct FormatError {
    /// The syntax errors, as the parser reported them.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.diagnostics.len();
        let plural = if count == 1 { "" } else { "s" };
        write!(f, "not formatted: {count} syntax error{plural}")?;
        if let Some(first) = self.diagnostics.first() {
            write!(f, " (first: {})", first.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for FormatError {}

#[cfg(test)]
mod tests {
    use super::*;
    use remit_diagnostics::{Code, Span};

    #[test]
    fn names_the_first_error() {
        let e = FormatError {
            diagnostics: vec![Diagnostic::new(
                Code::SYNTAX_ERROR,
                "expected `to`",
                Span::default(),
                "",
            )],
        };
        assert_eq!(
            e.to_string(),
            "not formatted: 1 syntax error (first: expected `to`)"
        );
    }
}
