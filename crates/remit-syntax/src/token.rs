//! The Remit lexer: a logos token enum, plus the comments it keeps aside.

use logos::Logos;
use std::fmt;

/// One token. Comments and whitespace are not tokens for the parser:
/// [`crate::lex`] keeps comments aside so that hover and the formatter can
/// reach them.
#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
#[logos(skip r"[ \t\r\n\f]+")]
#[allow(missing_docs)]
pub enum Token<'s> {
    #[token("policy")]
    Policy,
    #[token("version")]
    Version,
    #[token("currency")]
    Currency,
    #[token("enum")]
    Enum,
    #[token("customer")]
    Customer,
    #[token("context")]
    Context,
    #[token("role")]
    Role,
    #[token("extends")]
    Extends,
    #[token("action")]
    Action,
    #[token("obligation")]
    Obligation,
    #[token("segment")]
    Segment,
    #[token("situation")]
    Situation,
    #[token("rule")]
    Rule,
    #[token("permit")]
    Permit,
    #[token("forbid")]
    Forbid,
    #[token("escalate")]
    Escalate,
    #[token("to")]
    To,
    #[token("from")]
    From,
    #[token("for")]
    For,
    #[token("any")]
    Any,
    #[token("when")]
    When,
    #[token("limit")]
    Limit,
    #[token("per")]
    Per,
    #[token("total")]
    Total,
    #[token("employee")]
    Employee,
    #[token("otherwise")]
    Otherwise,
    #[token("require")]
    Require,
    #[token("notify")]
    Notify,
    #[token("and")]
    And,
    #[token("or")]
    Or,
    #[token("not")]
    Not,
    #[token("in")]
    In,
    #[token("contains")]
    Contains,
    #[token("true")]
    True,
    #[token("false")]
    False,
    #[token("test")]
    Test,
    #[token("expect")]
    Expect,
    #[token("requiring")]
    Requiring,
    #[token("deny")]
    Deny,
    #[token("history")]
    History,
    #[token("ago")]
    Ago,

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

    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident(&'s str),
    #[regex(r"[0-9][0-9_]*")]
    Int(&'s str),
    #[regex(r"[0-9][0-9_]*\.[0-9][0-9_]*")]
    Decimal(&'s str),
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

impl Token<'_> {
    /// Whether this token is a comment (kept aside, never parsed).
    pub fn is_comment(&self) -> bool {
        matches!(self, Token::DocComment(_) | Token::LineComment(_))
    }

    /// Whether this is a reserved word.
    pub fn is_keyword(&self) -> bool {
        self.keyword().is_some()
    }

    /// The reserved word, if this token is one.
    pub fn keyword(&self) -> Option<&'static str> {
        let k = match self {
            Token::Policy => "policy",
            Token::Version => "version",
            Token::Currency => "currency",
            Token::Enum => "enum",
            Token::Customer => "customer",
            Token::Context => "context",
            Token::Role => "role",
            Token::Extends => "extends",
            Token::Action => "action",
            Token::Obligation => "obligation",
            Token::Segment => "segment",
            Token::Situation => "situation",
            Token::Rule => "rule",
            Token::Permit => "permit",
            Token::Forbid => "forbid",
            Token::Escalate => "escalate",
            Token::To => "to",
            Token::From => "from",
            Token::For => "for",
            Token::Any => "any",
            Token::When => "when",
            Token::Limit => "limit",
            Token::Per => "per",
            Token::Total => "total",
            Token::Employee => "employee",
            Token::Otherwise => "otherwise",
            Token::Require => "require",
            Token::Notify => "notify",
            Token::And => "and",
            Token::Or => "or",
            Token::Not => "not",
            Token::In => "in",
            Token::Contains => "contains",
            Token::True => "true",
            Token::False => "false",
            Token::Test => "test",
            Token::Expect => "expect",
            Token::Requiring => "requiring",
            Token::Deny => "deny",
            Token::History => "history",
            Token::Ago => "ago",
            _ => return None,
        };
        Some(k)
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
];

/// The keywords that start a rule clause after its effect line, in
/// canonical order (LANGUAGE.md §4).
pub const CLAUSE_KEYWORDS: &[&str] = &["for", "when", "limit", "require", "notify", "otherwise"];

/// Every reserved word of LANGUAGE.md §2.
pub const KEYWORDS: &[&str] = &[
    "policy",
    "version",
    "currency",
    "enum",
    "customer",
    "context",
    "role",
    "extends",
    "action",
    "obligation",
    "segment",
    "situation",
    "rule",
    "permit",
    "forbid",
    "escalate",
    "to",
    "from",
    "for",
    "any",
    "when",
    "limit",
    "per",
    "total",
    "employee",
    "otherwise",
    "require",
    "notify",
    "and",
    "or",
    "not",
    "in",
    "contains",
    "true",
    "false",
    "test",
    "expect",
    "requiring",
    "deny",
    "history",
    "ago",
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
