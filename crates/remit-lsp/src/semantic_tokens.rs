//! Semantic tokens over LSP: `remit-ide`'s token classes in the legend
//! advertised, delta-encoded in UTF-16 units; for a whole document, for
//! the range an editor shows (`semanticTokens/range`), or as the edits
//! from the tokens last sent (`semanticTokens/full/delta`).

use crate::position::{floor_char_boundary, utf16_len, LineIndex};
use crate::snapshot::Snapshot;
use remit_diagnostics::FileId;
use remit_ide::semantic_tokens::{classify, classify_range, Classified, TokenKind};
use tower_lsp_server::ls_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokensEdit,
    SemanticTokensLegend,
};

/// The token types, in legend order.
pub const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::KEYWORD,
    SemanticTokenType::TYPE,
    SemanticTokenType::ENUM,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::CLASS,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::EVENT,
    SemanticTokenType::NUMBER,
    SemanticTokenType::STRING,
    SemanticTokenType::COMMENT,
    SemanticTokenType::OPERATOR,
    SemanticTokenType::DECORATOR,
    SemanticTokenType::INTERFACE,
    SemanticTokenType::NAMESPACE,
];

/// The modifiers, in legend order (bit 0, bit 1, …).
pub const MODIFIERS: &[SemanticTokenModifier] = &[
    SemanticTokenModifier::DECLARATION,
    SemanticTokenModifier::DOCUMENTATION,
    SemanticTokenModifier::DEFAULT_LIBRARY,
];

const KEYWORD: u32 = 0;
const TYPE: u32 = 1;
const ENUM: u32 = 2;
const ENUM_MEMBER: u32 = 3;
const PROPERTY: u32 = 4;
const PARAMETER: u32 = 5;
const FUNCTION: u32 = 6;
const CLASS: u32 = 7;
const VARIABLE: u32 = 8;
const EVENT: u32 = 9;
const NUMBER: u32 = 10;
const STRING: u32 = 11;
const COMMENT: u32 = 12;
const OPERATOR: u32 = 13;
const DECORATOR: u32 = 14;
const INTERFACE: u32 = 15;

const DECLARATION: u32 = 1;
const DOCUMENTATION: u32 = 2;
const DEFAULT_LIBRARY: u32 = 4;

/// The legend advertised in the capabilities.
pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

/// The legend index of a token class.
fn token_type(kind: TokenKind) -> u32 {
    match kind {
        TokenKind::Keyword => KEYWORD,
        TokenKind::Type => TYPE,
        TokenKind::Enum => ENUM,
        TokenKind::Variant => ENUM_MEMBER,
        TokenKind::Attribute => PROPERTY,
        TokenKind::Param => PARAMETER,
        TokenKind::Action => FUNCTION,
        TokenKind::Role => CLASS,
        TokenKind::Definition => VARIABLE,
        TokenKind::Rule => EVENT,
        TokenKind::Number => NUMBER,
        TokenKind::String => STRING,
        TokenKind::Comment => COMMENT,
        TokenKind::Operator => OPERATOR,
        TokenKind::Annotation => DECORATOR,
        TokenKind::Obligation => INTERFACE,
    }
}

/// The legend bits of a token's modifiers.
fn modifiers(t: &Classified) -> u32 {
    let bit = |on: bool, bit: u32| if on { bit } else { 0 };
    bit(t.declaration, DECLARATION)
        | bit(t.documentation, DOCUMENTATION)
        | bit(t.builtin, DEFAULT_LIBRARY)
}

/// The LSP encoding: relative line and start, lengths in UTF-16 units.
/// A token spanning lines (none should) is cut at its first line's end.
///
/// One pass: a cursor walks the text with the tokens (sorted by start, as
/// [`classify`] gives them),
/// so each byte is counted once however many tokens share its line (a
/// position computed afresh from its line's start for every token would
/// make one long line quadratic).
pub fn encode(index: &LineIndex<'_>, tokens: &[Classified]) -> Vec<SemanticToken> {
    let text = index.text();
    let mut out = Vec::with_capacity(tokens.len());
    let mut cursor = Cursor::default();
    let (mut line, mut col) = (0u32, 0u32);
    for t in tokens {
        let start = floor_char_boundary(text, t.start);
        let (token_line, character) = cursor.advance(index, start);
        let line_end = index.line_range(token_line).end;
        let end = floor_char_boundary(text, t.end.min(line_end).max(start));
        let length = text.get(start..end).map_or(0, utf16_len);
        if length == 0 {
            continue;
        }
        let token_line = to_u32(token_line);
        let delta_line = token_line - line;
        let delta_start = if delta_line == 0 {
            character - col
        } else {
            character
        };
        out.push(SemanticToken {
            delta_line,
            delta_start,
            length: to_u32(length),
            token_type: token_type(t.kind),
            token_modifiers_bitset: modifiers(t),
        });
        line = token_line;
        col = character;
    }
    out
}

/// Where [`encode`] is in the text: a byte offset, its line, and its
/// UTF-16 column.
#[derive(Debug, Default)]
struct Cursor {
    line: usize,
    offset: usize,
    column: usize,
}

impl Cursor {
    /// Moves to `offset` (a character boundary) and returns its line and
    /// column. Forward on the same line costs the bytes passed; a new line
    /// starts from that line's start.
    fn advance(&mut self, index: &LineIndex<'_>, offset: usize) -> (usize, u32) {
        let line = index.line_of(offset);
        if line != self.line || offset < self.offset {
            self.line = line;
            self.offset = index.line_range(line).start.min(offset);
            self.column = 0;
        }
        self.column += index.text().get(self.offset..offset).map_or(0, utf16_len);
        self.offset = offset;
        (line, to_u32(self.column))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Every token of a file.
pub fn full(snapshot: &Snapshot, file: FileId) -> Vec<SemanticToken> {
    let Some(index) = snapshot.line_index(file) else {
        return Vec::new();
    };
    encode(&index, &classify(&snapshot.policy, file))
}

/// The tokens of a file that overlap the byte range `start..end`,
/// encoded from the start of the document as LSP asks.
pub fn range(snapshot: &Snapshot, file: FileId, start: usize, end: usize) -> Vec<SemanticToken> {
    let Some(index) = snapshot.line_index(file) else {
        return Vec::new();
    };
    encode(&index, &classify_range(&snapshot.policy, file, start..end))
}

/// The edits that turn the tokens `old` into `new`: one replacement of
/// what lies between their common start and their common end (an edit
/// changes the tokens of a few lines; the relative encoding leaves the
/// rest as they were). Offsets count the integers of the flat encoding,
/// five per token. None when nothing changed.
pub fn edits(old: &[SemanticToken], new: &[SemanticToken]) -> Vec<SemanticTokensEdit> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let deleted = old.len() - prefix - suffix;
    let inserted = &new[prefix..new.len() - suffix];
    if deleted == 0 && inserted.is_empty() {
        return Vec::new();
    }
    vec![SemanticTokensEdit {
        start: to_u32(5 * prefix),
        delete_count: to_u32(5 * deleted),
        data: Some(inserted.to_vec()),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::fixture::*;

    #[test]
    fn names_by_kind_and_utf16_deltas() {
        let text = "/// Rôles\nrole clerk\n// ünïcode 😀\nenum T { a }\ncustomer { t: T }\nsegment s = customer.t == a\n";
        let s = snapshot(&[("p.remit", text)]);
        let tokens = full(&s, FileId(0));
        let rows: Vec<_> = tokens
            .iter()
            .map(|t| {
                (
                    t.delta_line,
                    t.delta_start,
                    t.length,
                    TYPES[t.token_type as usize].as_str(),
                    t.token_modifiers_bitset,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (0, 0, 9, "comment", DOCUMENTATION),
                (1, 0, 4, "keyword", 0),
                (0, 5, 5, "class", DECLARATION),
                // "// ünïcode 😀": 11 chars + the emoji's two units.
                (1, 0, 13, "comment", 0),
                (1, 0, 4, "keyword", 0),
                (0, 5, 1, "enum", DECLARATION),
                (0, 4, 1, "enumMember", DECLARATION),
                (1, 0, 8, "keyword", 0),
                (0, 11, 1, "property", DECLARATION),
                (0, 3, 1, "enum", 0),
                (1, 0, 7, "keyword", 0),
                (0, 8, 1, "variable", DECLARATION),
                (0, 2, 1, "operator", 0),
                (0, 2, 8, "keyword", 0),
                (0, 9, 1, "property", 0),
                (0, 2, 2, "operator", 0),
                (0, 3, 1, "enumMember", 0),
            ]
        );
    }

    #[test]
    fn every_hotel_token_is_encoded() {
        let s = snapshot(&[("hotel.remit", HOTEL)]);
        let classified = classify(&s.policy, FileId(0));
        assert_eq!(full(&s, FileId(0)).len(), classified.len());
    }

    /// The encoding of [`encode`], done the slow way: every position from
    /// scratch.
    fn reference(index: &LineIndex<'_>, tokens: &[Classified]) -> Vec<SemanticToken> {
        let mut out = Vec::new();
        let (mut line, mut col) = (0u32, 0u32);
        for t in tokens {
            let start = index.position(t.start);
            let line_end = index.line_range(start.line as usize).end;
            let end = index.position(t.end.min(line_end).max(t.start));
            let length = end.character.saturating_sub(start.character);
            if length == 0 {
                continue;
            }
            let delta_line = start.line - line;
            let delta_start = if delta_line == 0 {
                start.character - col
            } else {
                start.character
            };
            out.push(SemanticToken {
                delta_line,
                delta_start,
                length,
                token_type: token_type(t.kind),
                token_modifiers_bitset: modifiers(t),
            });
            line = start.line;
            col = start.character;
        }
        out
    }

    #[test]
    fn encoding_agrees_with_positions_computed_one_by_one() {
        let text = "/// é€😀\r\nrole clerk // 😀 x\r\n\n  enum T { a, é }\ncustomer { t: T }\nsegment s = customer.t == a";
        let s = snapshot(&[("p.remit", text)]);
        let index = s.line_index(FileId(0)).unwrap();
        let tokens = classify(&s.policy, FileId(0));
        assert!(tokens.len() > 10);
        assert_eq!(encode(&index, &tokens), reference(&index, &tokens));
        // Repeated starts, a token running past its line, and tokens past
        // the end of the text.
        let mut odd: Vec<Classified> = tokens.iter().flat_map(|t| [*t, *t]).collect();
        odd.insert(2, Classified::new(4, 9999, TokenKind::Keyword));
        odd.push(Classified::new(text.len() - 1, 99_999, TokenKind::Keyword));
        odd.push(Classified::new(99_999, 100_000, TokenKind::Keyword));
        assert_eq!(encode(&index, &odd), reference(&index, &odd));
    }

    #[test]
    fn one_long_line_is_linear() {
        // `when x and x and … x` on one line: 50,000 terms, 100,000 tokens
        // (the quadratic encoder took 11.5 s on it).
        let terms = 50_000;
        let mut when = String::from("x");
        for _ in 1..terms {
            when.push_str(" and x");
        }
        let text = format!(
            "role clerk\naction a\ncontext {{ f: Bool }}\nsituation x = context.f\n\
             rule r {{\n  permit clerk to a\n  for any customer\n  when {when}\n}}\n"
        );
        let s = snapshot(&[("p.remit", &text)]);
        let started = std::time::Instant::now();
        let data = full(&s, FileId(0));
        let elapsed = started.elapsed();
        let long_line: Vec<_> = data
            .iter()
            .skip_while(|t| {
                !(t.delta_line == 1
                    && t.length == 4
                    && t.token_type == KEYWORD
                    && t.delta_start == 2)
            })
            .collect();
        // `when`, then `x`, then `and x` pairs (the `and`s are keywords).
        let on_line = long_line
            .iter()
            .skip(1)
            .take_while(|t| t.delta_line == 0)
            .count();
        assert_eq!(on_line, 2 * terms - 1, "{elapsed:?}");
        for pair in long_line[2..2 * terms].chunks(2) {
            let (and, x) = (pair[0], pair[1]);
            assert_eq!(
                (and.delta_start, and.length, and.token_type),
                (2, 3, KEYWORD)
            );
            assert_eq!((x.delta_start, x.length, x.token_type), (4, 1, VARIABLE));
        }
    }

    /// The flat integers of tokens, as they go over the wire.
    fn flat(tokens: &[SemanticToken]) -> Vec<u32> {
        tokens
            .iter()
            .flat_map(|t| {
                [
                    t.delta_line,
                    t.delta_start,
                    t.length,
                    t.token_type,
                    t.token_modifiers_bitset,
                ]
            })
            .collect()
    }

    /// Applies edits to flat integers as a client does.
    fn apply(old: &[SemanticToken], edits: &[SemanticTokensEdit]) -> Vec<u32> {
        let mut data = flat(old);
        for e in edits.iter().rev() {
            let start = e.start as usize;
            let inserted = flat(e.data.as_deref().unwrap_or_default());
            data.splice(start..start + e.delete_count as usize, inserted);
        }
        data
    }

    #[test]
    fn deltas_carry_only_the_edited_lines() {
        let before = "role clerk\nrole boss extends clerk\naction waive\n";
        let after = "role clerk\nrole chief_clerk extends clerk // é\naction waive\n";
        let old = full(&snapshot(&[("p.remit", before)]), FileId(0));
        let new = full(&snapshot(&[("p.remit", after)]), FileId(0));
        let edits = edits(&old, &new);
        assert_eq!(edits.len(), 1);
        // `role clerk` and the next `role` are untouched before the edit,
        // `action waive` after it.
        assert_eq!(edits[0].start, 15);
        assert_eq!(edits[0].delete_count, 15);
        assert!(edits[0].data.as_ref().unwrap().len() < new.len());
        assert_eq!(apply(&old, &edits), flat(&new));
        assert!(super::edits(&new, &new).is_empty());
        // Everything removed, and everything new.
        assert_eq!(apply(&old, &super::edits(&old, &[])), Vec::<u32>::new());
        assert_eq!(apply(&[], &super::edits(&[], &new)), flat(&new));
    }

    #[test]
    fn a_range_is_encoded_from_the_start_of_the_document() {
        let text = "role clerk\nrole boss extends clerk\n// é\naction waive\n";
        let s = snapshot(&[("p.remit", text)]);
        let start = text.find("// é").unwrap();
        let tokens = range(&s, FileId(0), start, text.len());
        let rows: Vec<_> = tokens
            .iter()
            .map(|t| (t.delta_line, t.delta_start, t.length, t.token_type))
            .collect();
        assert_eq!(
            rows,
            [(2, 0, 4, COMMENT), (1, 0, 6, KEYWORD), (0, 7, 5, FUNCTION)]
        );
    }
}
