//! Why a table was refused: a kind, the JSON path of the part at fault,
//! and a message that says what is wrong and how to fix it.

use std::fmt;

/// What kind of defect a refused table has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableErrorKind {
    /// The text breaks "Reading JSON text" (not UTF-8, not JSON, a key
    /// given twice, too deep, a number beyond a double).
    UnreadableText,
    /// No `format`, or one this evaluator does not read.
    UnsupportedFormat,
    /// The document does not have the format's shape: not an object, a
    /// missing or unknown field, a value of the wrong JSON type.
    Shape,
    /// A name that the table does not declare: a role, action, input,
    /// counter, obligation, outcome or variant.
    UnknownName,
    /// An input key or counter id of the wrong form, or a counter id that
    /// is also an input key.
    InvalidKey,
    /// A constraint that does not fit its input (an `in` on an int, an
    /// interval without bounds or with `min > max`, `present` on an input
    /// that cannot be absent), or a parameter whose input has another type.
    InvalidConstraint,
    /// A relation with no terms, a zero coefficient, a key that is not an
    /// integer input or counter, or one in the wrong list.
    InvalidRelation,
    /// A counter with an empty or unknown subject or a bad window.
    InvalidCounter,
    /// A part where the format does not allow it: limits on a row that is
    /// not `permit`, `deny` as a row effect, an escalation on a forbid row.
    Misplaced,
}

impl TableErrorKind {
    /// The kind's name, in snake case.
    pub fn as_str(self) -> &'static str {
        match self {
            TableErrorKind::UnreadableText => "unreadable_text",
            TableErrorKind::UnsupportedFormat => "unsupported_format",
            TableErrorKind::Shape => "shape",
            TableErrorKind::UnknownName => "unknown_name",
            TableErrorKind::InvalidKey => "invalid_key",
            TableErrorKind::InvalidConstraint => "invalid_constraint",
            TableErrorKind::InvalidRelation => "invalid_relation",
            TableErrorKind::InvalidCounter => "invalid_counter",
            TableErrorKind::Misplaced => "misplaced",
        }
    }
}

/// Why a table was refused. When loading finds several problems, the
/// first is this error and the others are in [`TableError::others`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError {
    /// The kind of defect.
    pub kind: TableErrorKind,
    /// The JSON path of the part at fault (`rows[3].limits["param.amount"].max`),
    /// empty for the table as a whole.
    pub path: String,
    /// The rule of the row at fault, when the path is inside a row.
    pub rule: Option<String>,
    /// What is wrong, lowercase, with names in backticks.
    pub message: String,
    /// How to fix it, when there is something specific to say.
    pub help: Option<Box<str>>,
    /// Further problems found in the same table.
    pub others: Vec<TableError>,
}

impl TableError {
    pub(crate) fn new(
        kind: TableErrorKind,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        TableError {
            kind,
            path: path.into(),
            rule: None,
            message: message.into(),
            help: None,
            others: Vec::new(),
        }
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into().into_boxed_str());
        self
    }

    pub(crate) fn rule(mut self, rule: &str) -> Self {
        self.rule = Some(rule.to_string());
        self
    }

    /// The first problem, carrying the others; `None` when there are none.
    pub(crate) fn collect(mut problems: Vec<TableError>) -> Option<TableError> {
        if problems.is_empty() {
            return None;
        }
        let mut first = problems.remove(0);
        first.others = problems;
        Some(first)
    }

    /// Every problem: this one, then the others.
    pub fn problems(&self) -> impl Iterator<Item = &TableError> {
        std::iter::once(self).chain(self.others.iter())
    }

    fn line(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.path.is_empty(), &self.rule) {
            (true, _) => {}
            (false, Some(rule)) => write!(f, "at `{}` (rule `{rule}`): ", self.path)?,
            (false, None) => write!(f, "at `{}`: ", self.path)?,
        }
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "; help: {help}")?;
        }
        Ok(())
    }
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.line(f)?;
        for other in &self.others {
            f.write_str("\n")?;
            other.line(f)?;
        }
        Ok(())
    }
}

impl std::error::Error for TableError {}

/// A JSON path under construction: `rows[3].limits["param.amount"]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Path(String);

impl Path {
    /// The path of a top-level field.
    pub fn root(field: &str) -> Path {
        Path(field.to_string())
    }

    /// `self.name` for a fixed field name, `self["key"]` for a map key.
    pub fn field(&self, name: &str) -> Path {
        let plain = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if plain {
            Path(format!("{}.{name}", self.0))
        } else {
            self.key(name)
        }
    }

    /// `self["key"]`: a map key, quoted as JSON.
    pub fn key(&self, key: &str) -> Path {
        let quoted = serde_json::to_string(key).unwrap_or_else(|_| format!("\"{key}\""));
        Path(format!("{}[{quoted}]", self.0))
    }

    /// `self[i]`.
    pub fn index(&self, i: usize) -> Path {
        Path(format!("{}[{i}]", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_quote_keys_that_are_not_plain_names() {
        let p = Path::root("rows")
            .index(3)
            .field("limits")
            .key("param.amount")
            .field("max");
        assert_eq!(p.as_str(), r#"rows[3].limits["param.amount"].max"#);
        assert_eq!(
            Path::root("counters").field("customer/refund").as_str(),
            r#"counters["customer/refund"]"#
        );
    }

    #[test]
    fn display_names_the_place_the_rule_and_the_fix_then_the_other_problems() {
        let mut e = TableError::new(
            TableErrorKind::InvalidConstraint,
            "rows[0].scope",
            "`min` 70 is above `max` 69",
        )
        .rule("r")
        .help("swap the bounds");
        e.others.push(TableError::new(
            TableErrorKind::Misplaced,
            "",
            "`default.effect` must be `deny`",
        ));
        assert_eq!(
            e.to_string(),
            "at `rows[0].scope` (rule `r`): `min` 70 is above `max` 69; help: swap the bounds\n`default.effect` must be `deny`"
        );
        assert_eq!(e.problems().count(), 2);
    }
}
