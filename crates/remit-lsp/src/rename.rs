//! Rename over LSP: `remit-ide`'s spans as text edits grouped by URI.
//! Every occurrence of a name across the files of its policy is renamed,
//! closed files included.

use crate::snapshot::Snapshot;
use remit_diagnostics::FileId;
use std::collections::HashMap;
use tower_lsp_server::ls_types::{Range, TextEdit, Uri};

/// The name under the cursor and its range, if it can be renamed.
pub fn prepare(snapshot: &Snapshot, file: FileId, offset: usize) -> Option<(Range, String)> {
    let (span, name) = remit_ide::rename::prepare(&snapshot.policy, file, offset)?;
    Some((snapshot.range(span)?, name))
}

/// The edits that rename the name under the cursor, or why not.
pub fn rename(
    snapshot: &Snapshot,
    file: FileId,
    offset: usize,
    new_name: &str,
) -> Result<HashMap<Uri, Vec<TextEdit>>, String> {
    let spans = remit_ide::rename::rename(&snapshot.policy, file, offset, new_name)?;
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for span in spans {
        let (Some(uri), Some(range)) = (snapshot.uri(span.file), snapshot.range(span)) else {
            continue;
        };
        changes
            .entry(uri.clone())
            .or_default()
            .push(TextEdit::new(range, new_name.to_string()));
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::fixture::*;

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
        let s = snapshot(&TWO_FILES);
        let at = offset_of(&s, "clerk", 0, 0);
        assert_eq!(prepare(&s, FileId(0), at).unwrap().1, "clerk");
        let changes = rename(&s, FileId(0), at, "cashier").unwrap();
        let mut counts: Vec<(String, usize)> = changes
            .iter()
            .map(|(u, e)| (u.as_str().rsplit('/').next().unwrap().to_string(), e.len()))
            .collect();
        counts.sort();
        assert_eq!(
            counts,
            [
                ("rules.remit".to_string(), 1),
                ("schema.remit".to_string(), 2)
            ]
        );
    }

    #[test]
    fn refuses_keywords_bad_names_and_clashes() {
        let s = snapshot(&TWO_FILES);
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
        let s = snapshot(&TWO_FILES);
        assert!(prepare(&s, FileId(0), 1).is_none());
        assert!(rename(&s, FileId(0), 1, "x").is_err());
    }
}
