//! Stable diagnostic codes.
//!
//! Every diagnostic has a code (`E0101`, or a lint's name for analysis
//! findings) and a snake_case name. Codes never change meaning; the docs
//! (`docs/diagnostics.md`) have one anchor per name.

use crate::Severity;
use serde::{Serialize, Serializer};

/// A stable diagnostic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code {
    /// The short code shown in brackets: `E0101`, or a lint name.
    pub id: &'static str,
    /// The snake_case name, also the docs anchor.
    pub name: &'static str,
    /// The default severity.
    pub severity: Severity,
    /// One line saying what the code is about.
    pub summary: &'static str,
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id)
    }
}

impl Code {
    /// Whether this is an analysis lint (its id is its name).
    pub fn is_lint(&self) -> bool {
        self.id == self.name
    }

    /// The code with this id or name, if any.
    pub fn lookup(id_or_name: &str) -> Option<Code> {
        CODES
            .iter()
            .copied()
            .find(|c| c.id == id_or_name || c.name == id_or_name)
    }
}

macro_rules! codes {
    ($($konst:ident = $id:literal, $name:literal, $sev:ident, $summary:literal;)*) => {
        impl Code {
            $(
                #[doc = $summary]
                pub const $konst: Code = Code { id: $id, name: $name, severity: Severity::$sev, summary: $summary };
            )*
        }

        /// Every code, in order.
        pub const CODES: &[Code] = &[$(Code::$konst),*];
    };
}

codes! {
    INVALID_TOKEN = "E0001", "invalid_token", Error, "a character that cannot start any token";
    UNTERMINATED_STRING = "E0002", "unterminated_string", Error, "a string literal without its closing quote";
    SYNTAX_ERROR = "E0003", "syntax_error", Error, "a token where the grammar expects something else";
    UNEXPECTED_EOF = "E0004", "unexpected_eof", Error, "the file ends in the middle of an item";
    INVALID_NUMBER = "E0005", "invalid_number", Error, "a number literal that is malformed or too large";
    NESTING_TOO_DEEP = "E0006", "nesting_too_deep", Error, "an expression nested deeper than the parser allows";
    INVALID_ESCAPE = "E0007", "invalid_escape", Error, "an escape other than `\\\"` or `\\\\` in a string";
    UNKNOWN_NAME = "E0101", "unknown_name", Error, "a name that is not declared";
    DUPLICATE_NAME = "E0102", "duplicate_name", Error, "a name declared twice";
    UNKNOWN_ATTRIBUTE = "E0103", "unknown_attribute", Error, "an attribute that the customer or context schema does not declare";
    UNKNOWN_PARAMETER = "E0104", "unknown_parameter", Error, "a parameter that the action does not declare";
    UNKNOWN_VARIANT = "E0105", "unknown_variant", Error, "a variant that the expected enum does not have";
    UNKNOWN_LINT = "E0106", "unknown_lint", Error, "an annotation naming a lint that does not exist";
    TYPE_MISMATCH = "E0201", "type_mismatch", Error, "a value of the wrong type";
    WRONG_UNIT = "E0202", "wrong_unit", Error, "a literal with a missing or wrong unit";
    WRONG_CURRENCY = "E0203", "wrong_currency", Error, "money in a currency other than the policy's";
    MISSING_CURRENCY = "E0204", "missing_currency", Error, "money used in a policy that declares no currency";
    ATTRIBUTE_COMPARISON = "E0205", "attribute_comparison", Error, "a set tested against an attribute rather than a variant";
    INVALID_OPERATOR = "E0206", "invalid_operator", Error, "an operator that does not apply to the operand's type";
    PARAMETER_NOT_ON_ALL_ACTIONS = "E0207", "parameter_not_on_all_actions", Error, "a parameter used by a rule that one of its actions lacks";
    INVALID_BUDGET = "E0208", "invalid_budget", Error, "a `limit total` over actions without exactly one money parameter";
    TOO_MANY_DECIMALS = "E0209", "too_many_decimals", Error, "a money literal with more decimals than the currency has";
    UNGUARDED_OPTIONAL = "E0210", "unguarded_optional", Error, "a use of an optional attribute that no `has` guards";
    NOT_LINEAR = "E0211", "not_linear", Error, "a quantity expression that is not linear: a product of two attributes, or arithmetic on times of day";
    CLAUSE_NOT_ALLOWED = "E0301", "clause_not_allowed", Error, "a clause that the rule's effect does not allow";
    DUPLICATE_CLAUSE = "E0302", "duplicate_clause", Error, "a clause given twice in one rule";
    INHERITANCE_CYCLE = "E0303", "inheritance_cycle", Error, "roles that extend each other in a cycle";
    INVALID_SEGMENT = "E0304", "invalid_segment", Error, "a segment that reads something other than `customer.*` and segments";
    DEFINITION_CYCLE = "E0305", "definition_cycle", Error, "segments or situations defined in terms of themselves";
    DUPLICATE_ITEM = "E0306", "duplicate_item", Error, "an item that a policy may have only once, given twice";
    MISPLACED_ANNOTATION = "E0307", "misplaced_annotation", Error, "an annotation where it has no meaning";
    ROLE_HIERARCHY_TOO_LARGE = "E0308", "role_hierarchy_too_large", Error, "role inheritance deeper than 64 levels, or with more than 100000 (role, ancestor) pairs";
    INVALID_TEST = "E0401", "invalid_test", Error, "a test item that is incomplete or malformed";
    RULE_TOO_LARGE = "E0501", "rule_too_large", Error, "a rule whose condition expands to more rows than the table allows";
    CONFLICTING_OUTCOMES = "conflicting_outcomes", "conflicting_outcomes", Error, "two rules prescribe different outcomes for one request";
    UNBOUNDED_AMOUNT = "unbounded_amount", "unbounded_amount", Error, "a permitted parameter has no upper bound";
    UNBOUNDED_FREQUENCY = "unbounded_frequency", "unbounded_frequency", Warning, "a permit on money has no per-customer count or total limit";
    UNSCOPED_CUSTOMERS = "unscoped_customers", "unscoped_customers", Warning, "a permit has no `for` clause";
    ANY_ROLE = "any_role", "any_role", Warning, "a permit or escalate names `any` role";
    SHADOWED_RULE = "shadowed_rule", "shadowed_rule", Warning, "a rule that never decides anything";
    UNSATISFIABLE_CONDITION = "unsatisfiable_condition", "unsatisfiable_condition", Warning, "a rule whose conditions can never all hold";
    ESCALATION_DEAD_END = "escalation_dead_end", "escalation_dead_end", Warning, "an escalation to a role with no authority over the request";
    ESCALATION_CYCLE = "escalation_cycle", "escalation_cycle", Error, "escalations that lead back to a role already on the path";
    REDUNDANT_RULE = "redundant_rule", "redundant_rule", Hint, "a permit covered by another permit";
    UNUSED_DECLARATION = "unused_declaration", "unused_declaration", Hint, "a declaration nobody uses";
    BAND_GAP = "band_gap", "band_gap", Warning, "two ranges of one quantity leave a gap that no rule covers";
    NO_OUTCOME = "no_outcome", "no_outcome", Hint, "a permit that aims at none of the outcomes the policy declares";
    ANALYSIS_INCOMPLETE = "analysis_incomplete", "analysis_incomplete", Hint, "a lint question that exceeded the analysis's work bound";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique() {
        for (i, a) in CODES.iter().enumerate() {
            for b in &CODES[i + 1..] {
                assert_ne!(a.id, b.id);
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[test]
    fn lookup_by_id_or_name() {
        assert_eq!(Code::lookup("E0101"), Some(Code::UNKNOWN_NAME));
        assert_eq!(Code::lookup("unknown_name"), Some(Code::UNKNOWN_NAME));
        assert!(Code::lookup("shadowed_rule").is_some_and(|c| c.is_lint()));
        assert_eq!(Code::lookup("nope"), None);
    }
}

/// The diagnostics reference (`docs/diagnostics.md`): one section per code,
/// anchored by its name, generated from [`CODES`] so it never drifts.
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "# Diagnostics reference\n\n\
         Generated from `crates/remit-diagnostics/src/code.rs` by \
         `UPDATE_DOCS=1 cargo test -p remit-diagnostics`; a test fails when it is stale.\n\n\
         Every diagnostic has a stable code and a name. Front-end errors have codes `E0001`…; \
         analysis lints use their name as their code, and their severity can be changed with \
         `--allow`, `--warn`, `--deny` (and `--deny warnings`), `@deny(…)` before `policy`, \
         and `@allow(…)` before a rule.\n\n\
         **Bounded output.** At most 100 diagnostics with one code are shown for one file \
         (`MAX_PER_CODE_PER_FILE`); the rest become one diagnostic with the same code, \
         \"… and N more `code_name` errors in this file\", placed at the first one not shown. \
         Every output format has it: in `--format json` it is an ordinary entry with an extra \
         `omitted` field (N); in SARIF and GitHub annotations it is one more result. Counts \
         in the summary line include the omitted ones. A labelled source line longer than \
         160 bytes is shown as an excerpt of about 120 bytes around the label, with `…` \
         where text was cut; the `file:line:column` shown are the file's own, and a secondary \
         label outside the excerpt becomes a note giving its position.\n\n\
         **Fixes.** A diagnostic may carry fixes, typed data computed below any protocol: a \
         title, whether it is the preferred fix (at most one, listed first), and edits, each \
         a byte range of one file and its new text (an empty range inserts). The front end \
         makes its fixes where it finds the problem (\"did you mean\", a missing currency); \
         `remit-analysis` makes the lints' (`unbounded_amount`: the smallest cap on that \
         parameter among other rules on the same actions, else zero to be raised; \
         `unbounded_frequency`: the tightest per-customer count among them, else once in 30 \
         days; `unscoped_customers`: `for any customer` under the effect line, indented like \
         it; every lint on a rule: `@allow(lint)`). The editor offers them as quick fixes; \
         `--format json` has `fixes: [{ title, preferred, edits: [{ file, range, new_text }] }]` \
         (ranges as for labels, with `byte_start`/`byte_end`) and, where the message names \
         something a tool needs, `data` (`unbounded_amount`: `{ kind: \"unbounded_parameter\", \
         rule, action, parameter }`); SARIF has `fixes` with `artifactChanges` and \
         `replacements` (`deletedRegion` empty for an insertion, `insertedContent`). A \
         \"… and N more\" summary has no fixes.\n\n\
         | code | name | default | what it means |\n|---|---|---|---|\n",
    );
    for c in CODES {
        out.push_str(&format!(
            "| `{}` | [`{}`](#{}) | {} | {} |\n",
            c.id,
            c.name,
            c.name,
            c.severity.as_str(),
            c.summary
        ));
    }
    for c in CODES {
        out.push_str(&format!(
            "\n## {}\n\n`{}` · {} by default{}\n\n{}.\n",
            c.name,
            c.id,
            c.severity.as_str(),
            if c.is_lint() { " · lint" } else { "" },
            capitalise(c.summary)
        ));
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |f| {
        f.to_uppercase().collect::<String>() + chars.as_str()
    })
}

#[cfg(test)]
mod reference_tests {
    #[test]
    fn docs_reference_is_current() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/diagnostics.md");
        let want = super::reference_markdown();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/diagnostics.md is stale: run `UPDATE_DOCS=1 cargo test -p remit-diagnostics`"
        );
    }
}
