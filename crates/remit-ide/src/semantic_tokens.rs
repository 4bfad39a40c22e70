//! Token classes for highlighting, from the lexer: keywords, names by what
//! they refer to (via the model's references), numbers, strings, comments,
//! operators and annotations.

use crate::Policy;
use remit_diagnostics::FileId;
use remit_sema::model::Symbol;
use remit_syntax::ast::CommentKind;
use remit_syntax::Token;
use std::collections::HashMap;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A reserved word.
    Keyword,
    /// A type name, or a unit after a number.
    Type,
    /// An enum.
    Enum,
    /// A variant of an enum.
    Variant,
    /// A customer or context attribute.
    Attribute,
    /// A parameter of an action.
    Param,
    /// An action.
    Action,
    /// A role.
    Role,
    /// A segment or situation.
    Definition,
    /// A rule.
    Rule,
    /// A number.
    Number,
    /// A string.
    String,
    /// A comment.
    Comment,
    /// A comparison or `=`.
    Operator,
    /// An annotation (`@allow`).
    Annotation,
    /// An obligation.
    Obligation,
}

/// One classified range of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classified {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// What it is.
    pub kind: TokenKind,
    /// The name's declaration.
    pub declaration: bool,
    /// A doc comment.
    pub documentation: bool,
    /// A built-in type.
    pub builtin: bool,
}

impl Classified {
    /// A range of `kind` with no modifier.
    pub fn new(start: usize, end: usize, kind: TokenKind) -> Self {
        Classified {
            start,
            end,
            kind,
            declaration: false,
            documentation: false,
            builtin: false,
        }
    }
}

fn symbol_kind(symbol: Symbol) -> TokenKind {
    match symbol {
        Symbol::Enum(_) => TokenKind::Enum,
        Symbol::Variant(..) => TokenKind::Variant,
        Symbol::CustomerAttr(_) | Symbol::ContextAttr(_) => TokenKind::Attribute,
        Symbol::Role(_) => TokenKind::Role,
        Symbol::Action(_) => TokenKind::Action,
        Symbol::Param(..) => TokenKind::Param,
        Symbol::Obligation(_) | Symbol::Outcome(_) => TokenKind::Obligation,
        Symbol::Segment(_) | Symbol::Situation(_) => TokenKind::Definition,
        Symbol::Rule(_) => TokenKind::Rule,
    }
}

/// The classified tokens of a file, sorted by start, none overlapping.
pub fn classify(policy: &Policy, file: FileId) -> Vec<Classified> {
    let Some(source) = policy.source(file) else {
        return Vec::new();
    };
    let text = source.text();
    let names: HashMap<u32, (Symbol, bool)> = policy
        .model()
        .references
        .iter()
        .filter(|r| r.span.file == file)
        .map(|r| (r.span.start, (r.symbol, r.declaration)))
        .collect();
    let lexed = remit_syntax::lex(file, text);
    let mut out = Vec::with_capacity(lexed.tokens.len() + lexed.comments.len());
    let mut previous: Option<Token<'_>> = None;
    for &(start, token, end) in &lexed.tokens {
        let plain = |kind| Some(Classified::new(start, end, kind));
        let class = match token {
            t if t.is_keyword() => plain(TokenKind::Keyword),
            Token::Ident(name) => match names.get(&u32::try_from(start).unwrap_or(u32::MAX)) {
                Some((symbol, declaration)) => Some(Classified {
                    declaration: *declaration,
                    ..Classified::new(start, end, symbol_kind(*symbol))
                }),
                None if previous == Some(Token::At) => plain(TokenKind::Annotation),
                None if crate::completion_context::BUILTIN_TYPES.contains(&name) => {
                    Some(Classified {
                        builtin: true,
                        ..Classified::new(start, end, TokenKind::Type)
                    })
                }
                None if matches!(previous, Some(Token::Int(_) | Token::Decimal(_))) => {
                    plain(TokenKind::Type)
                }
                None => None,
            },
            Token::Int(_) | Token::Decimal(_) => plain(TokenKind::Number),
            Token::Str(_) | Token::UnterminatedStr(_) => plain(TokenKind::String),
            Token::EqEq
            | Token::NotEq
            | Token::Lt
            | Token::Le
            | Token::Gt
            | Token::Ge
            | Token::Assign => plain(TokenKind::Operator),
            Token::At => plain(TokenKind::Annotation),
            _ => None,
        };
        out.extend(class);
        previous = Some(token);
    }
    for c in &lexed.comments {
        out.push(Classified {
            documentation: c.kind == CommentKind::Doc,
            ..Classified::new(
                c.span.start as usize,
                c.span.end as usize,
                TokenKind::Comment,
            )
        });
    }
    out.sort_by_key(|c| c.start);
    out
}

/// The classified tokens of a file that overlap a byte range, for an
/// editor that asks only for what it shows.
pub fn classify_range(
    policy: &Policy,
    file: FileId,
    range: std::ops::Range<usize>,
) -> Vec<Classified> {
    let mut tokens = classify(policy, file);
    tokens.retain(|t| t.end > range.start && t.start < range.end);
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::*;

    #[test]
    fn names_by_what_they_refer_to() {
        let text = "/// Rôles\nrole clerk\nenum T { a }\ncustomer { t: T, n: Int }\nsegment s = customer.t == a\n";
        let p = policy(&[("p.remit", text)]);
        let rows: Vec<(&str, TokenKind, bool, bool, bool)> = classify(&p, FileId(0))
            .iter()
            .map(|c| {
                (
                    &text[c.start..c.end],
                    c.kind,
                    c.declaration,
                    c.documentation,
                    c.builtin,
                )
            })
            .collect();
        use TokenKind::*;
        assert_eq!(
            rows,
            [
                ("/// Rôles", Comment, false, true, false),
                ("role", Keyword, false, false, false),
                ("clerk", Role, true, false, false),
                ("enum", Keyword, false, false, false),
                ("T", Enum, true, false, false),
                ("a", Variant, true, false, false),
                ("customer", Keyword, false, false, false),
                ("t", Attribute, true, false, false),
                ("T", Enum, false, false, false),
                ("n", Attribute, true, false, false),
                ("Int", Type, false, false, true),
                ("segment", Keyword, false, false, false),
                ("s", Definition, true, false, false),
                ("=", Operator, false, false, false),
                ("customer", Keyword, false, false, false),
                ("t", Attribute, false, false, false),
                ("==", Operator, false, false, false),
                ("a", Variant, false, false, false),
            ]
        );
    }

    #[test]
    fn hotel_example_has_no_overlaps() {
        let p = policy(&[("hotel.remit", HOTEL)]);
        let classified = classify(&p, FileId(0));
        assert!(classified.len() > 250, "{}", classified.len());
        for pair in classified.windows(2) {
            assert!(pair[0].end <= pair[1].start, "{pair:?}");
        }
    }

    #[test]
    fn a_range_has_the_tokens_that_overlap_it() {
        let text = "role clerk\nrole boss extends clerk\naction waive\n";
        let p = policy(&[("p.remit", text)]);
        let words = |range: std::ops::Range<usize>| -> Vec<&str> {
            classify_range(&p, FileId(0), range)
                .iter()
                .map(|c| &text[c.start..c.end])
                .collect()
        };
        // Line 2, and a range cutting `boss` and `extends`.
        assert_eq!(words(11..35), ["role", "boss", "extends", "clerk"]);
        assert_eq!(words(18..22), ["boss", "extends"]);
        assert!(words(10..11).is_empty());
        assert_eq!(words(0..text.len()).len(), classify(&p, FileId(0)).len());
    }
}
