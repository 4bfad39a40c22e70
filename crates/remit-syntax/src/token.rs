//! The Remit lexer: a logos token enum, plus the comments it keeps aside.

use logos::Logos;
use std::fmt;

/// Defines [`Token`] from one list of reserved words (LANGUAGE.md §2), so
/// the lexer's tokens, [`Token::keyword`] and [`KEYWORDS`] cannot drift
/// apart.
macro_rules! tokens {
    (
        keywords { $($kw:ident = $text:literal,)* }
        others { $($other:tt)* }
    ) => {
        /// One token. Comments and whitespace are not tokens for the parser:
        /// [`crate::lex`] keeps comments aside so that hover and the formatter can
        /// reach them.
        #[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
        #[logos(skip r"[ \t\r\n\f]+")]
        #[allow(missing_docs)]
        pub enum Token<'s> {
            $( #[token($text)] $kw, )*
            $($other)*
        }

        impl Token<'_> {
            /// The reserved word, if this token is one.
            pub fn keyword(&self) -> Option<&'static str> {
                match self {
                    $( Token::$kw => Some($text), )*
                    _ => None,
                }
            }
        }

        /// Every reserved word of LANGUAGE.md §2.
        pub const KEYWORDS: &[&str] = &[$($text),*];
    };
}

tokens! {
    keywords {
        Policy = "policy",
        Version = "version",
        Currency = "currency",
        Enum = "enum",
        Customer = "customer",
        Context = "context",
        Role = "role",
        Extends = "extends",
        Action = "action",
        Obligation = "obligation",
        Segment = "segment",
        Situation = "situation",
        Rule = "rule",
        Permit = "permit",
        Forbid = "forbid",
        Escalate = "escalate",
        To = "to",
        From = "from",
        For = "for",
        Any = "any",
        When = "when",
        Limit = "limit",
        Per = "per",
        Total = "total",
        Employee = "employee",
        Otherwise = "otherwise",
        Require = "require",
        Notify = "notify",
        And = "and",
        Or = "or",
        Not = "not",
        In = "in",
        Contains = "contains",
        True = "true",
        False = "false",
        Test = "test",
        Expect = "expect",
        Requiring = "requiring",
        Deny = "deny",
        History = "history",
        Ago = "ago",
        Has = "has",
        Calendar = "calendar",
        Of = "of",
        Outcome = "outcome",
        Aims = "aims",
        Timezone = "timezone",
        AtTime = "at",
    }
    others {
        #[token("{")]
        LBrace,
        #[token("}")]
        RBrace,
        #[token("(")]
        LParen,
        #[token(")")]
        RParen,
        #[token(",")]
        Comma,
        #[token(":")]
        Colon,
        #[token(".")]
        Dot,
        #[token("=")]
        Assign,
        #[token("==")]
        EqEq,
        #[token("!=")]
        NotEq,
        #[token("<")]
        Lt,
        #[token("<=")]
        Le,
        #[token(">")]
        Gt,
        #[token(">=")]
        Ge,
        #[token("@")]
        At,
        #[token("+")]
        Plus,
        #[token("-")]
        Minus,
        #[token("*")]
        Star,
        #[token("%")]
        Percent,
        #[token("?")]
        Question,

        #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
        Ident(&'s str),
        #[regex(r"[0-9][0-9_]*")]
        Int(&'s str),
        #[regex(r"[0-9][0-9_]*\.[0-9][0-9_]*")]
        Decimal(&'s str),
        /// `2026-12-24`: a calendar date.
        #[regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")]
        Date(&'s str),
        /// `22:30`: a time of day.
        #[regex(r"[0-9]{1,2}:[0-9]{2}")]
        Time(&'s str),
        #[regex(r#""([^"\\\n]|\\[^\n])*""#)]
        Str(&'s str),
        /// A string that reaches the end of its line without a closing quote.
        #[regex(r#""([^"\\\n]|\\[^\n])*"#)]
        UnterminatedStr(&'s str),

        /// `/// …`: attaches to the next item.
        #[regex(r"///[^\n]*", allow_greedy = true)]
        DocComment(&'s str),
        /// `// …` (and `//// …`, which is not a doc comment).
        #[regex(r"//[^\n]*", allow_greedy = true, priority = 1)]
        LineComment(&'s str),
    }
}

impl Token<'_> {
    /// Whether this token is a comment (kept aside, never parsed).
    pub fn is_comment(&self) -> bool {
        matches!(self, Token::DocComment(_) | Token::LineComment(_))
    }

    /// Whether this is a reserved word.
    pub fn is_keyword(&self) -> bool {
        self.keyword().is_some()
    }
}

/// The keywords that start an item, in the order LANGUAGE.md lists items.
pub const ITEM_KEYWORDS: &[&str] = &[
    "policy",
    "currency",
    "enum",
    "customer",
    "context",
    "role",
    "action",
    "obligation",
    "segment",
    "situation",
    "rule",
    "test",
    "timezone",
    "outcome",
];

impl fmt::Display for Token<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(k) = self.keyword() {
            return write!(f, "`{k}`");
        }
        match self {
            Token::Ident(s) => write!(f, "`{s}`"),
            Token::Int(s) | Token::Decimal(s) => write!(f, "the number `{s}`"),
            Token::Str(_) | Token::UnterminatedStr(_) => f.write_str("a string"),
            Token::DocComment(_) | Token::LineComment(_) => f.write_str("a comment"),
            Token::LBrace => f.write_str("`{`"),
            Token::RBrace => f.write_str("`}`"),
            Token::LParen => f.write_str("`(`"),
            Token::RParen => f.write_str("`)`"),
            Token::Comma => f.write_str("`,`"),
            Token::Colon => f.write_str("`:`"),
            Token::Dot => f.write_str("`.`"),
            Token::Assign => f.write_str("`=`"),
            Token::EqEq => f.write_str("`==`"),
            Token::NotEq => f.write_str("`!=`"),
            Token::Lt => f.write_str("`<`"),
            Token::Le => f.write_str("`<=`"),
            Token::Gt => f.write_str("`>`"),
            Token::Ge => f.write_str("`>=`"),
            Token::At => f.write_str("`@`"),
            Token::Plus => f.write_str("`+`"),
            Token::Minus => f.write_str("`-`"),
            Token::Star => f.write_str("`*`"),
            Token::Percent => f.write_str("`%`"),
            Token::Question => f.write_str("`?`"),
            Token::Date(s) => write!(f, "the date `{s}`"),
            Token::Time(s) => write!(f, "the time `{s}`"),
            _ => f.write_str("a keyword"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Token<'_>> {
        Token::lexer(src).map(|t| t.unwrap_or(Token::At)).collect()
    }

    #[test]
    fn keywords_win_over_identifiers_only_when_whole() {
        assert_eq!(
            kinds("rule rules"),
            vec![Token::Rule, Token::Ident("rules")]
        );
        assert_eq!(
            kinds("days day"),
            vec![Token::Ident("days"), Token::Ident("day")]
        );
    }

    #[test]
    fn numbers_units_and_comparisons() {
        assert_eq!(
            kinds("amount <= 49.99 USD 1_000 >= != =="),
            vec![
                Token::Ident("amount"),
                Token::Le,
                Token::Decimal("49.99"),
                Token::Ident("USD"),
                Token::Int("1_000"),
                Token::Ge,
                Token::NotEq,
                Token::EqEq
            ]
        );
    }

    #[test]
    fn comments_and_doc_comments() {
        assert_eq!(
            kinds("/// doc\n// plain\nrule"),
            vec![
                Token::DocComment("/// doc"),
                Token::LineComment("// plain"),
                Token::Rule
            ]
        );
    }

    #[test]
    fn strings_with_escapes_and_unterminated() {
        assert_eq!(
            kinds(r#""a \"b\" \\""#),
            vec![Token::Str(r#""a \"b\" \\""#)]
        );
        assert_eq!(
            kinds("\"open\nrule"),
            vec![Token::UnterminatedStr("\"open"), Token::Rule]
        );
    }

    #[test]
    fn keyword_list_matches_the_lexer() {
        for k in KEYWORDS {
            let t = kinds(k);
            assert_eq!(t.len(), 1);
            assert_eq!(t[0].keyword(), Some(*k));
        }
    }
}
