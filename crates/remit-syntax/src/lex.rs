//! Turns text into tokens, comments and lexical diagnostics.

use crate::ast::{Comment, CommentKind};
use crate::token::Token;
use logos::Logos;
use remit_diagnostics::{Code, Diagnostic, FileId, Span};

/// A token with its byte range.
pub type SpannedToken<'s> = (usize, Token<'s>, usize);

/// The result of lexing one file.
#[derive(Debug, Default)]
pub struct Lexed<'s> {
    /// The tokens the parser sees (no comments).
    pub tokens: Vec<SpannedToken<'s>>,
    /// The comments, in order.
    pub comments: Vec<Comment>,
    /// Invalid characters, unterminated strings, bad escapes.
    pub diagnostics: Vec<Diagnostic>,
}

/// The UTF-8 byte-order mark that Windows editors put at the start of a
/// file.
pub const BOM: &str = "\u{feff}";

/// A text split into its leading byte-order mark (`""` when it has none)
/// and the rest. The mark says how the file is encoded; it is not part of
/// the policy, so loaders drop it and the formatter puts it back.
pub fn split_bom(text: &str) -> (&str, &str) {
    match text.strip_prefix(BOM) {
        Some(rest) => (BOM, rest),
        None => ("", text),
    }
}

/// Lexes a file. Never fails: problems become diagnostics and the offending
/// text is skipped (an unterminated string still yields a string token, so
/// parsing can go on). A leading byte-order mark is skipped; spans stay
/// offsets into `text`, mark included.
pub fn lex(file: FileId, text: &str) -> Lexed<'_> {
    let mut out = Lexed::default();
    let (bom, body) = split_bom(text);
    let mut lexer = Token::lexer(body);
    let mut pending_invalid: Option<(usize, usize)> = None;
    while let Some(result) = lexer.next() {
        let range = lexer.span();
        let range = range.start + bom.len()..range.end + bom.len();
        let token = match result {
            Ok(token) => token,
            Err(()) => {
                // Merge runs of invalid characters into one diagnostic.
                pending_invalid = Some(match pending_invalid {
                    Some((start, end)) if end == range.start => (start, range.end),
                    Some(run) => {
                        out.diagnostics.push(invalid_token(file, text, run));
                        if let Some(t) = stand_in(text, run) {
                            out.tokens.push((run.0, t, run.1));
                        }
                        (range.start, range.end)
                    }
                    None => (range.start, range.end),
                });
                continue;
            }
        };
        if let Some(run) = pending_invalid.take() {
            out.diagnostics.push(invalid_token(file, text, run));
            if let Some(t) = stand_in(text, run) {
                out.tokens.push((run.0, t, run.1));
            }
        }
        match token {
            Token::DocComment(s) if !s.starts_with("////") => out.comments.push(Comment {
                kind: CommentKind::Doc,
                text: s.trim_end().to_string(),
                span: Span::new(file, range.start, range.end),
            }),
            Token::DocComment(s) | Token::LineComment(s) => out.comments.push(Comment {
                kind: CommentKind::Line,
                text: s.trim_end().to_string(),
                span: Span::new(file, range.start, range.end),
            }),
            Token::UnterminatedStr(s) => {
                out.diagnostics.push(
                    Diagnostic::new(
                        Code::UNTERMINATED_STRING,
                        "unterminated string",
                        Span::new(file, range.start, range.end),
                        "this string has no closing `\"` on its line",
                    )
                    .help("add a closing `\"`; strings cannot span lines"),
                );
                out.tokens.push((range.start, Token::Str(s), range.end));
            }
            Token::Str(s) => {
                check_escapes(file, range.start, s, &mut out.diagnostics);
                out.tokens.push((range.start, token, range.end));
            }
            _ => out.tokens.push((range.start, token, range.end)),
        }
    }
    if let Some(run) = pending_invalid {
        out.diagnostics.push(invalid_token(file, text, run));
    }
    out
}

/// `&&` and `||` are reported, then read as `and` and `or` so that the
/// rest of the condition still parses.
fn stand_in(text: &str, (start, end): (usize, usize)) -> Option<Token<'static>> {
    match text.get(start..end)? {
        "&" | "&&" => Some(Token::And),
        "|" | "||" => Some(Token::Or),
        _ => None,
    }
}

fn invalid_token(file: FileId, text: &str, (start, end): (usize, usize)) -> Diagnostic {
    let found = text.get(start..end).unwrap_or("?");
    if !found.is_empty() && found.chars().all(|c| c == '\u{feff}') {
        return Diagnostic::new(
            Code::INVALID_TOKEN,
            "unexpected byte-order mark (U+FEFF) in the middle of the file",
            Span::new(file, start, end),
            "an invisible character here",
        )
        .help("remove it: only the very start of a file may have a byte-order mark");
    }
    let mut d = Diagnostic::new(
        Code::INVALID_TOKEN,
        format!("unexpected character `{found}`"),
        Span::new(file, start, end),
        "not part of any Remit token",
    );
    d = match found {
        "&" | "&&" => d.help("write `and` instead"),
        "|" | "||" => d.help("write `or` instead"),
        "!" => d.help("write `not`, or `!=` for not-equal"),
        "#" => d.help("comments start with `//`"),
        "'" => d.help("strings use double quotes: `\"…\"`"),
        _ => d.help("remove it; identifiers are `[A-Za-z_][A-Za-z0-9_]*`"),
    };
    d
}

fn check_escapes(file: FileId, start: usize, raw: &str, diagnostics: &mut Vec<Diagnostic>) {
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            continue;
        }
        if let Some((j, next)) = chars.next() {
            if next != '"' && next != '\\' {
                diagnostics.push(
                    Diagnostic::new(
                        Code::INVALID_ESCAPE,
                        format!("unknown escape `\\{next}` in a string"),
                        Span::new(file, start + i, start + j + next.len_utf8()),
                        "not a Remit escape",
                    )
                    .help("only `\\\"` and `\\\\` are escapes; write `\\\\` for a backslash"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_comments_aside() {
        let lexed = lex(FileId(0), "/// doc\nrule // trailing\n//// not doc\n");
        assert_eq!(lexed.tokens.len(), 1);
        let kinds: Vec<_> = lexed.comments.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            vec![CommentKind::Doc, CommentKind::Line, CommentKind::Line]
        );
        assert!(lexed.diagnostics.is_empty());
    }

    #[test]
    fn reports_invalid_runs_once() {
        let lexed = lex(FileId(0), "rule $$$ x");
        assert_eq!(lexed.diagnostics.len(), 1);
        assert_eq!(lexed.diagnostics[0].message, "unexpected character `$$$`");
        assert_eq!(lexed.tokens.len(), 2);
    }

    #[test]
    fn skips_a_leading_byte_order_mark_and_keeps_offsets() {
        let text = "\u{feff}role clerk // c\n";
        let lexed = lex(FileId(0), text);
        assert!(lexed.diagnostics.is_empty(), "{:?}", lexed.diagnostics);
        let tokens: Vec<_> = lexed
            .tokens
            .iter()
            .map(|(s, _, e)| text.get(*s..*e).unwrap_or("?"))
            .collect();
        assert_eq!(tokens, vec!["role", "clerk"]);
        assert_eq!(lexed.tokens[0].0, 3);
        assert_eq!(lexed.comments[0].span, Span::new(FileId(0), 14, 18));
        // Anywhere else it is an error that names the invisible character.
        let lexed = lex(FileId(0), "role\u{feff} clerk");
        assert_eq!(lexed.diagnostics.len(), 1);
        assert!(lexed.diagnostics[0].message.contains("byte-order mark"));
        assert_eq!(
            lexed.diagnostics[0].primary.span,
            Span::new(FileId(0), 4, 7)
        );
        assert_eq!(split_bom("\u{feff}x"), (BOM, "x"));
        assert_eq!(split_bom("x\u{feff}"), ("", "x\u{feff}"));
    }

    #[test]
    fn reports_bad_escapes_and_unterminated_strings() {
        let lexed = lex(FileId(0), "\"a\\nb\" \"open");
        let codes: Vec<_> = lexed.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec![Code::INVALID_ESCAPE, Code::UNTERMINATED_STRING]);
        assert_eq!(lexed.tokens.len(), 2);
    }
}
