//! Every reserved word of the language is known to every editor grammar
//! the repository ships, so a new keyword cannot be forgotten in one of
//! them (ARCHITECTURE.md, "Add a clause").

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use remit_syntax::KEYWORDS;
use std::path::Path;

/// Whether `word` occurs in `text` as a whole word (not inside a longer
/// identifier).
fn has_word(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

fn check(relative: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let missing: Vec<&str> = KEYWORDS
        .iter()
        .copied()
        .filter(|k| !has_word(&text, k))
        .collect();
    assert!(
        missing.is_empty(),
        "{relative} does not know the keywords {missing:?}; add them (ARCHITECTURE.md, \"Add a clause\")"
    );
}

#[test]
fn tree_sitter_grammar_knows_every_keyword() {
    check("editors/tree-sitter-remit/grammar.js");
}

#[test]
fn textmate_grammar_knows_every_keyword() {
    check("editors/vscode/syntaxes/remit.tmLanguage.json");
}

#[test]
fn vim_syntax_knows_every_keyword() {
    check("editors/nvim/syntax/remit.vim");
}

#[test]
fn emacs_mode_knows_every_keyword() {
    check("editors/emacs/remit-mode.el");
}

#[test]
fn whole_words_only() {
    assert!(has_word("(policy|rule)", "rule"));
    assert!(!has_word("rules ruler", "rule"));
    assert!(!has_word("my_rule", "rule"));
}
