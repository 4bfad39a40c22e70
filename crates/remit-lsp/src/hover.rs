//! Hover over LSP: `remit-ide`'s hover, its span as a range, its text as
//! Markdown or, for a client that prefers it, plain text.

use crate::snapshot::Snapshot;
use remit_diagnostics::FileId;
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind};

/// The hover at a byte offset of a file, in Markdown when `markdown`,
/// else in plain text.
pub fn hover(snapshot: &Snapshot, file: FileId, offset: usize, markdown: bool) -> Option<Hover> {
    let found = remit_ide::hover::hover(&snapshot.policy, file, offset)?;
    let (kind, value) = if markdown {
        (MarkupKind::Markdown, found.markdown.clone())
    } else {
        (MarkupKind::PlainText, found.plain_text())
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind, value }),
        range: snapshot.range(found.span),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::fixture::*;
    use tower_lsp_server::ls_types::{Position, Range};

    #[test]
    fn markdown_or_plain_text_over_the_name() {
        let s = snapshot(&[("hotel.remit", HOTEL)]);
        let at = offset_of(&s, "enum Tier", 0, 6);
        let markdown = hover(&s, FileId(0), at, true).unwrap();
        let HoverContents::Markup(m) = markdown.contents else {
            panic!("{markdown:?}")
        };
        assert_eq!(m.kind, MarkupKind::Markdown);
        assert_eq!(
            m.value,
            "```remit\nenum Tier { standard, silver, gold, platinum }\n```\n\n---\n\nHow much a guest is worth to us."
        );
        assert_eq!(
            markdown.range,
            Some(Range::new(Position::new(6, 5), Position::new(6, 9)))
        );
        let plain = hover(&s, FileId(0), at, false).unwrap();
        let HoverContents::Markup(m) = plain.contents else {
            panic!("{plain:?}")
        };
        assert_eq!(m.kind, MarkupKind::PlainText);
        assert_eq!(
            m.value,
            "enum Tier { standard, silver, gold, platinum }\n\nHow much a guest is worth to us."
        );
        assert!(hover(&s, FileId(0), 0, true).is_none());
    }
}
