//! The last semantic tokens sent for each open document, so that
//! `textDocument/semanticTokens/full/delta` can answer with only what
//! changed. One result per document, dropped when it closes.

use crate::keys::DocKey;
use std::collections::HashMap;
use std::sync::Arc;
use tower_lsp_server::ls_types::SemanticToken;

/// The tokens last sent for each document, by result id.
#[derive(Debug, Default)]
pub struct TokenResults {
    next: u64,
    last: HashMap<DocKey, (String, Arc<Vec<SemanticToken>>)>,
}

impl TokenResults {
    /// Records the tokens about to be sent for a document, in place of
    /// its previous ones; returns their result id.
    pub fn remember(&mut self, doc: DocKey, data: &[SemanticToken]) -> String {
        self.next += 1;
        let id = self.next.to_string();
        self.last.insert(doc, (id.clone(), Arc::new(data.to_vec())));
        id
    }

    /// The tokens sent for a document under `id`, if they are the last
    /// ones sent for it.
    pub fn previous(&self, doc: &DocKey, id: &str) -> Option<Arc<Vec<SemanticToken>>> {
        self.last
            .get(doc)
            .filter(|(last, _)| last == id)
            .map(|(_, data)| Arc::clone(data))
    }

    /// Forgets a document (it was closed).
    pub fn forget(&mut self, doc: &DocKey) {
        self.last.remove(doc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(delta_line: u32) -> SemanticToken {
        SemanticToken {
            delta_line,
            delta_start: 0,
            length: 1,
            token_type: 0,
            token_modifiers_bitset: 0,
        }
    }

    #[test]
    fn only_the_last_result_of_a_document_is_kept() {
        let a = DocKey::Other("untitled:a".into());
        let b = DocKey::Other("untitled:b".into());
        let mut results = TokenResults::default();
        let first = results.remember(a.clone(), &[token(1)]);
        let other = results.remember(b.clone(), &[token(2)]);
        assert_ne!(first, other);
        assert_eq!(results.previous(&a, &first).unwrap().as_slice(), [token(1)]);
        // The id of another document's result is not this one's.
        assert!(results.previous(&a, &other).is_none());
        let second = results.remember(a.clone(), &[token(3)]);
        assert!(results.previous(&a, &first).is_none());
        assert_eq!(
            results.previous(&a, &second).unwrap().as_slice(),
            [token(3)]
        );
        results.forget(&a);
        assert!(results.previous(&a, &second).is_none());
        assert!(results.previous(&b, &other).is_some());
    }
}
