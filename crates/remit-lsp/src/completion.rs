//! Completion over LSP: `remit-ide`'s items as LSP completion items.

use remit_ide::completion::{CompletionItem as Item, CompletionKind};
use remit_sema::model::Model;
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, Documentation, MarkupContent, MarkupKind,
};

/// The completions at byte `offset` of `text`, with the names of the last
/// analysis (`None`: keywords only).
pub fn complete(text: &str, offset: usize, model: Option<&Model>) -> Vec<CompletionItem> {
    remit_ide::completion::complete(text, offset, model)
        .into_iter()
        .map(to_lsp)
        .collect()
}

fn kind(kind: CompletionKind) -> CompletionItemKind {
    match kind {
        CompletionKind::Keyword => CompletionItemKind::KEYWORD,
        CompletionKind::Lint => CompletionItemKind::VALUE,
        CompletionKind::Role => CompletionItemKind::CLASS,
        CompletionKind::Action => CompletionItemKind::FUNCTION,
        CompletionKind::Obligation | CompletionKind::Outcome => CompletionItemKind::INTERFACE,
        CompletionKind::Definition | CompletionKind::Param => CompletionItemKind::VARIABLE,
        CompletionKind::Attribute => CompletionItemKind::FIELD,
        CompletionKind::BuiltinType => CompletionItemKind::STRUCT,
        CompletionKind::Enum => CompletionItemKind::ENUM,
        CompletionKind::Variant => CompletionItemKind::ENUM_MEMBER,
        CompletionKind::Function => CompletionItemKind::FUNCTION,
    }
}

fn to_lsp(item: Item) -> CompletionItem {
    CompletionItem {
        label: item.label,
        kind: Some(kind(item.kind)),
        detail: item.detail,
        documentation: item.documentation.map(|value| {
            Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            })
        }),
        ..CompletionItem::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::fixture::*;

    #[test]
    fn items_keep_their_kind_detail_and_documentation() {
        let s = snapshot(&[("hotel.remit", HOTEL)]);
        let text = "rule x {\n  permit ";
        let items = complete(text, text.len(), Some(s.model()));
        let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
        assert_eq!(
            labels,
            ["front_desk", "duty_manager", "general_manager", "any"]
        );
        assert_eq!(items[0].kind, Some(CompletionItemKind::CLASS));
        assert_eq!(items[0].detail.as_deref(), Some("role"));
        assert_eq!(
            items[0].documentation,
            Some(Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value: "The people at the desk.".into()
            }))
        );
        assert_eq!(items[1].documentation, None);
        assert_eq!(items[3].kind, Some(CompletionItemKind::KEYWORD));
    }

    #[test]
    fn works_without_an_analysis() {
        let items = complete("rule x {\n  ", 11, None);
        let labels: Vec<_> = items.into_iter().map(|i| i.label).collect();
        assert_eq!(labels, ["permit", "forbid", "escalate"]);
    }
}
