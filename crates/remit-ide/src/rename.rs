//! Rename: every occurrence of a name across the files of its policy,
//! closed files included. A new name must be an identifier, not a
//! keyword, and not already taken by a name it could be confused with.

use crate::navigation::linked;
use crate::Policy;
use remit_diagnostics::{FileId, Span};
use remit_sema::model::{Model, Symbol};

/// The name under the cursor and its span, if it can be renamed.
pub fn prepare(policy: &Policy, file: FileId, offset: usize) -> Option<(Span, String)> {
    let r = policy.reference_at(file, offset)?;
    let name = policy.model().symbol_name(r.symbol)?.to_string();
    if policy.slice(r.span) != name {
        return None;
    }
    Some((r.span, name))
}

/// The spans to replace with `new_name` to rename the name under the
/// cursor (in file and position order; none when the name is already
/// `new_name`), or why it cannot be renamed.
pub fn rename(
    policy: &Policy,
    file: FileId,
    offset: usize,
    new_name: &str,
) -> Result<Vec<Span>, String> {
    let r = policy
        .reference_at(file, offset)
        .ok_or_else(|| "there is no name to rename here".to_string())?;
    let model = policy.model();
    let old = model
        .symbol_name(r.symbol)
        .ok_or_else(|| "there is no name to rename here".to_string())?;
    check_name(new_name)?;
    if new_name == old {
        return Ok(Vec::new());
    }
    let symbols = linked(policy, r.symbol);
    if let Some(kind) = clash(model, &symbols, new_name) {
        return Err(format!("there is already {kind} called `{new_name}`"));
    }
    if matches!(r.symbol, Symbol::Enum(_))
        && crate::completion_context::BUILTIN_TYPES.contains(&new_name)
    {
        return Err(format!("`{new_name}` is a built-in type"));
    }
    let mut spans: Vec<Span> = model
        .references
        .iter()
        .filter(|o| symbols.contains(&o.symbol))
        .map(|o| o.span)
        .filter(|s| policy.slice(*s) == old)
        .collect();
    spans.sort();
    spans.dedup();
    Ok(spans)
}

/// Refuses names that are not identifiers, and keywords.
pub fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "`{name}` is not a valid name: names are letters, digits and `_`, not starting with a digit"
        ));
    }
    if remit_syntax::KEYWORDS.contains(&name) {
        return Err(format!("`{name}` is a keyword"));
    }
    Ok(())
}

/// What kind of existing name `new_name` would clash with, if any.
fn clash(model: &Model, symbols: &[Symbol], new_name: &str) -> Option<&'static str> {
    fn has<'a>(mut names: impl Iterator<Item = &'a String>, new_name: &str) -> bool {
        names.any(|n| n == new_name)
    }
    let kind = |taken: bool, kind: &'static str| taken.then_some(kind);
    match *symbols.first()? {
        Symbol::Enum(_) => kind(
            has(model.enums.iter().map(|e| &e.name), new_name),
            "an enum",
        ),
        Symbol::Variant(e, _) => kind(
            has(
                model.enums.get(e)?.variants.iter().map(|(v, _)| v),
                new_name,
            ),
            "a variant of this enum",
        ),
        Symbol::CustomerAttr(_) => kind(
            has(model.customer.iter().map(|a| &a.name), new_name),
            "a customer attribute",
        ),
        Symbol::ContextAttr(_) => kind(
            has(model.context.iter().map(|a| &a.name), new_name),
            "a context attribute",
        ),
        Symbol::Role(_) => kind(has(model.roles.iter().map(|r| &r.name), new_name), "a role"),
        Symbol::Action(_) => kind(
            has(model.actions.iter().map(|a| &a.name), new_name),
            "an action",
        ),
        Symbol::Outcome(_) => kind(
            has(model.outcomes.iter().map(|o| &o.name), new_name),
            "an outcome",
        ),
        Symbol::Obligation(_) => kind(
            has(model.obligations.iter().map(|o| &o.name), new_name),
            "an obligation",
        ),
        Symbol::Rule(_) => kind(has(model.rules.iter().map(|r| &r.name), new_name), "a rule"),
        // Bare names in conditions: parameters, segments and situations.
        Symbol::Segment(_) | Symbol::Situation(_) | Symbol::Param(..) => kind(
            has(model.segments.iter().map(|d| &d.name), new_name),
            "a segment",
        )
        .or_else(|| {
            kind(
                has(model.situations.iter().map(|d| &d.name), new_name),
                "a situation",
            )
        })
        .or_else(|| {
            kind(
                has(
                    model
                        .actions
                        .iter()
                        .flat_map(|a| a.params.iter().map(|p| &p.name)),
                    new_name,
                ),
                "a parameter",
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::*;

    const TWO_FILES: [(&str, &str); 2] = [
        (
            "schema.remit",
            "role clerk\nrole boss extends clerk\naction waive\naction refund(amount: Money)\ncurrency USD\n",
        ),
        (
            "rules.remit",
            "rule r {\n  permit clerk to waive\n  for any customer\n}\n\
             rule s {\n  permit boss to refund\n  for any customer\n  limit amount <= 5 USD\n}\n",
        ),
    ];

    #[test]
    fn renames_every_occurrence_in_every_file() {
        let s = policy(&TWO_FILES);
        let at = offset_of(&s, "clerk", 0, 0);
        let (span, name) = prepare(&s, FileId(0), at).unwrap();
        assert_eq!((s.slice(span), name.as_str()), ("clerk", "clerk"));
        let spans = rename(&s, FileId(0), at, "cashier").unwrap();
        let files: Vec<FileId> = spans.iter().map(|s| s.file).collect();
        assert_eq!(files, [FileId(0), FileId(0), FileId(1)]);
        assert!(spans.iter().all(|span| s.slice(*span) == "clerk"));
    }

    #[test]
    fn refuses_keywords_bad_names_and_clashes() {
        let s = policy(&TWO_FILES);
        let at = offset_of(&s, "clerk", 0, 0);
        assert_eq!(
            rename(&s, FileId(0), at, "rule").unwrap_err(),
            "`rule` is a keyword"
        );
        assert!(rename(&s, FileId(0), at, "9lives")
            .unwrap_err()
            .starts_with("`9lives` is not a valid name"));
        assert_eq!(
            rename(&s, FileId(0), at, "boss").unwrap_err(),
            "there is already a role called `boss`"
        );
        // An action may share a role's name: they never meet.
        assert!(rename(&s, FileId(0), at, "waive").is_ok());
        assert!(rename(&s, FileId(0), at, "clerk").unwrap().is_empty());
    }

    #[test]
    fn nothing_to_rename_on_keywords() {
        let s = policy(&TWO_FILES);
        assert!(prepare(&s, FileId(0), 1).is_none());
        assert!(rename(&s, FileId(0), 1, "x").is_err());
    }
}
