//! The one table of rule clauses (LANGUAGE.md §4).
//!
//! Every layer that needs to know something about a clause kind reads it
//! here: the parser's messages, the checker's "not allowed here" and
//! "given twice" errors, the formatter's canonical order, completion, and
//! the formatter's test oracle. Adding a clause means adding a
//! [`ClauseTag`] variant; the exhaustive matches in [`ClauseTag::spec`] and
//! [`ast::ClauseKind::tag`] then fail to build until it has a row.

use crate::ast::{self, EffectKind};

/// A clause kind without its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClauseTag {
    /// `for EXPR` or `for any customer`.
    For,
    /// `when EXPR`.
    When,
    /// `limit PARAM <= VALUE` or `limit PARAM <= EXPR`.
    Cap,
    /// `limit N per SUBJECT… (per WINDOW)?`.
    Count,
    /// `limit total MONEY per SUBJECT… (per WINDOW)?`.
    Total,
    /// `require OBLIGATION, …`.
    Require,
    /// `notify ROLE, …`.
    Notify,
    /// `otherwise escalate to ROLE`.
    Otherwise,
    /// `aims OUTCOME, …` (LANGUAGE.md §8.5).
    Aims,
}

/// What the language says about one clause kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClauseSpec {
    /// The kind.
    pub tag: ClauseTag,
    /// The keyword that starts the clause.
    pub keyword: &'static str,
    /// The clause as messages name it (`limit N per customer`).
    pub name: &'static str,
    /// Whether a rule may have the clause more than once.
    pub repeatable: bool,
    /// The effects whose rules may carry it.
    pub effects: &'static [EffectKind],
    /// Its place in the canonical order the formatter prints (§4).
    pub rank: u8,
}

impl ClauseSpec {
    /// Whether a rule with this effect may carry the clause.
    pub fn allowed_in(&self, effect: EffectKind) -> bool {
        self.effects.contains(&effect)
    }

    /// "`permit` and `escalate` rules", for the "not allowed" help.
    pub fn allowed_in_phrase(&self) -> String {
        let names: Vec<String> = self
            .effects
            .iter()
            .map(|e| format!("`{}`", e.as_str()))
            .collect();
        match names.as_slice() {
            [] => "no rule".to_string(),
            [one] => format!("{one} rules"),
            [init @ .., last] => format!("{} and {last} rules", init.join(", ")),
        }
    }
}

const ALL: &[EffectKind] = &[EffectKind::Permit, EffectKind::Forbid, EffectKind::Escalate];
const PERMIT: &[EffectKind] = &[EffectKind::Permit];
const PERMIT_ESCALATE: &[EffectKind] = &[EffectKind::Permit, EffectKind::Escalate];

/// Every clause kind, in canonical order.
pub const CLAUSES: &[ClauseSpec] = &[
    ClauseTag::For.spec(),
    ClauseTag::When.spec(),
    ClauseTag::Cap.spec(),
    ClauseTag::Count.spec(),
    ClauseTag::Total.spec(),
    ClauseTag::Require.spec(),
    ClauseTag::Notify.spec(),
    ClauseTag::Otherwise.spec(),
    ClauseTag::Aims.spec(),
];

impl ClauseTag {
    /// The clause's row of the table.
    pub const fn spec(self) -> ClauseSpec {
        let (keyword, name, repeatable, effects, rank) = match self {
            ClauseTag::For => ("for", "for", false, ALL, 0),
            ClauseTag::When => ("when", "when", false, ALL, 1),
            ClauseTag::Cap => ("limit", "limit", true, PERMIT, 2),
            ClauseTag::Count => ("limit", "limit N per", true, PERMIT, 3),
            ClauseTag::Total => ("limit", "limit total", true, PERMIT, 4),
            ClauseTag::Require => ("require", "require", false, PERMIT, 5),
            ClauseTag::Notify => ("notify", "notify", false, PERMIT_ESCALATE, 6),
            ClauseTag::Otherwise => ("otherwise", "otherwise", false, PERMIT, 7),
            ClauseTag::Aims => ("aims", "aims", false, PERMIT_ESCALATE, 8),
        };
        ClauseSpec {
            tag: self,
            keyword,
            name,
            repeatable,
            effects,
            rank,
        }
    }
}

impl ast::ClauseKind {
    /// The clause's kind, or `None` for a clause that did not parse.
    pub fn tag(&self) -> Option<ClauseTag> {
        Some(match self {
            ast::ClauseKind::ForAnyCustomer | ast::ClauseKind::For(_) => ClauseTag::For,
            ast::ClauseKind::When(_) => ClauseTag::When,
            ast::ClauseKind::Cap { .. } | ast::ClauseKind::RelCap { .. } => ClauseTag::Cap,
            ast::ClauseKind::Count { .. } => ClauseTag::Count,
            ast::ClauseKind::Total { .. } => ClauseTag::Total,
            ast::ClauseKind::Require(_) => ClauseTag::Require,
            ast::ClauseKind::Notify(_) => ClauseTag::Notify,
            ast::ClauseKind::Otherwise(_) => ClauseTag::Otherwise,
            ast::ClauseKind::Aims(_) => ClauseTag::Aims,
            ast::ClauseKind::Error => return None,
        })
    }

    /// The clause as messages name it; "clause" for one that did not parse.
    pub fn name(&self) -> &'static str {
        self.tag().map_or("clause", |t| t.spec().name)
    }

    /// The clause's canonical rank; a clause that did not parse goes last.
    pub fn rank(&self) -> u8 {
        self.tag().map_or(u8::MAX, |t| t.spec().rank)
    }
}

/// The keywords that start a rule clause after its effect line, in
/// canonical order: the distinct [`ClauseSpec::keyword`]s of [`CLAUSES`]
/// (a test holds the two together).
pub const CLAUSE_KEYWORDS: &[&str] = &[
    "for",
    "when",
    "limit",
    "require",
    "notify",
    "otherwise",
    "aims",
];

/// "`for`, `when`, `limit`, `require`, `notify`, `otherwise` or `aims`".
pub fn clause_keyword_list(last: &str) -> String {
    let quoted: Vec<String> = CLAUSE_KEYWORDS.iter().map(|k| format!("`{k}`")).collect();
    match quoted.split_last() {
        Some((tail, init)) if !init.is_empty() => format!("{} {last} {tail}", init.join(", ")),
        Some((tail, _)) => tail.clone(),
        None => String::new(),
    }
}

/// The distinct keywords that start a clause, derived from [`CLAUSES`].
#[cfg(test)]
fn clause_keywords() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for spec in CLAUSES {
        if !out.contains(&spec.keyword) {
            out.push(spec.keyword);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::KEYWORDS;

    #[test]
    fn every_tag_has_its_own_row_in_canonical_order() {
        for (i, spec) in CLAUSES.iter().enumerate() {
            assert_eq!(spec.tag.spec(), *spec);
            assert!(CLAUSES[..i].iter().all(|s| s.tag != spec.tag));
            assert!(CLAUSES[..i].iter().all(|s| s.rank <= spec.rank));
        }
    }

    #[test]
    fn clause_keywords_are_reserved_and_listed() {
        assert_eq!(clause_keywords(), CLAUSE_KEYWORDS);
        for k in clause_keywords() {
            assert!(KEYWORDS.contains(&k), "{k} is not a keyword");
        }
    }

    #[test]
    fn effects_follow_the_spec_table() {
        use EffectKind::*;
        let allowed = |t: ClauseTag| -> Vec<EffectKind> {
            [Permit, Forbid, Escalate]
                .into_iter()
                .filter(|e| t.spec().allowed_in(*e))
                .collect()
        };
        assert_eq!(allowed(ClauseTag::For), vec![Permit, Forbid, Escalate]);
        assert_eq!(allowed(ClauseTag::Total), vec![Permit]);
        assert_eq!(allowed(ClauseTag::Notify), vec![Permit, Escalate]);
        assert_eq!(
            ClauseTag::Notify.spec().allowed_in_phrase(),
            "`permit` and `escalate` rules"
        );
        assert_eq!(
            ClauseTag::Otherwise.spec().allowed_in_phrase(),
            "`permit` rules"
        );
    }

    #[test]
    fn keyword_list_reads_as_prose() {
        assert_eq!(
            clause_keyword_list("or"),
            "`for`, `when`, `limit`, `require`, `notify`, `otherwise` or `aims`"
        );
    }
}
