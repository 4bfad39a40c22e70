//! Go to definition and find references over LSP: `remit-ide`'s spans as
//! locations.

use crate::snapshot::Snapshot;
use remit_diagnostics::FileId;
use tower_lsp_server::ls_types::Location;

/// Where the name under the cursor is declared.
pub fn definition(snapshot: &Snapshot, file: FileId, offset: usize) -> Option<Location> {
    snapshot.location(remit_ide::navigation::definition(
        &snapshot.policy,
        file,
        offset,
    )?)
}

/// Every occurrence of the name under the cursor, in file and position
/// order, with or without its declaration.
pub fn references(
    snapshot: &Snapshot,
    file: FileId,
    offset: usize,
    include_declaration: bool,
) -> Vec<Location> {
    remit_ide::navigation::references(&snapshot.policy, file, offset, include_declaration)
        .into_iter()
        .filter_map(|s| snapshot.location(s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::fixture::*;

    #[test]
    fn definition_of_a_segment_use() {
        let s = snapshot(&[("hotel.remit", HOTEL)]);
        let at = offset_of(&s, "for loyal", 0, 5);
        let loc = definition(&s, FileId(0), at).unwrap();
        let decl = offset_of(&s, "segment loyal", 0, 8);
        let index = s.line_index(FileId(0)).unwrap();
        assert_eq!(loc.range.start, index.position(decl));
        assert!(loc.uri.as_str().ends_with("/fixture/hotel.remit"));
    }

    #[test]
    fn references_across_files_with_and_without_declaration() {
        let s = snapshot(&[
            (
                "a.remit",
                "role clerk\nrole boss extends clerk\naction waive\n",
            ),
            (
                "b.remit",
                "rule r {\n  permit clerk to waive\n  for any customer\n}\n",
            ),
        ]);
        let at = offset_of(&s, "clerk", 0, 1);
        let all = references(&s, FileId(0), at, true);
        assert_eq!(all.len(), 3);
        assert!(all[2].uri.as_str().ends_with("b.remit"));
        assert_eq!(references(&s, FileId(0), at, false).len(), 2);
    }
}
