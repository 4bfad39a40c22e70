//! What may be written at the cursor, from the tokens before it.
//!
//! The text before the cursor is lexed (the word being typed is dropped),
//! split into items the way the parser does, and the innermost open brace
//! and the current clause or test line decide the context. It is a
//! heuristic over tokens, not a parse: it must work on broken text.

use remit_diagnostics::FileId;
use remit_syntax::Token;

pub use remit_syntax::{CLAUSE_KEYWORDS, ITEM_KEYWORDS};

/// Effect keywords, offered first in a rule.
pub const EFFECT_KEYWORDS: &[&str] = &["permit", "forbid", "escalate"];

/// Test-line keywords, offered inside a test.
pub const TEST_KEYWORDS: &[&str] = &["role", "action", "customer", "context", "history", "expect"];

/// Built-in types.
pub const BUILTIN_TYPES: &[&str] = &[
    "Bool", "Int", "Money", "Duration", "Date", "Time", "Key", "Set",
];

/// Where an operand's value comes from, for the expected type of what
/// follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// `customer.NAME`
    Customer(String),
    /// `context.NAME`
    Context(String),
    /// A bare name: a parameter of the rule's actions.
    Param(String),
}

/// What may come at the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Context {
    /// Nothing to offer (inside a comment or string, or a new name).
    Nothing,
    /// Fixed keywords.
    Keywords(Vec<&'static str>),
    /// Roles (and `any` when allowed), then the keywords.
    Roles {
        /// Whether `any` is allowed.
        any: bool,
    },
    /// Actions (and `any` when allowed).
    Actions {
        /// Whether `any` is allowed.
        any: bool,
    },
    /// Obligations.
    Obligations,
    /// Outcomes (after `aims`).
    Outcomes,
    /// Lint names inside `@allow(…)` / `@deny(…)`.
    Lints,
    /// The attributes after `customer.` or `context.`.
    Attributes {
        /// `customer.` rather than `context.`.
        customer: bool,
    },
    /// The variants of the operand's enum (or set element) type.
    Variants(Operand),
    /// The start of an operand in a condition.
    Operand {
        /// In a `for` clause or a segment (customers only).
        customers_only: bool,
        /// The rule's actions, for their parameters.
        actions: Vec<String>,
    },
    /// Where a quantity term starts (LANGUAGE.md §8.1): the right side of
    /// a comparison or a relational cap, after `of` in `P% of X`, after
    /// `+`, `-` or `*`, and inside `min(…)` / `max(…)`: attributes, the
    /// rule's parameters, `min` and `max`.
    Quantity {
        /// In a `for` clause or a segment (customer attributes only).
        customers_only: bool,
        /// The rule's actions, for their parameters.
        actions: Vec<String>,
    },
    /// After a complete operand: connectives, and what else may follow.
    AfterOperand {
        /// Keywords that may also follow (clauses, items).
        then: Vec<&'static str>,
    },
    /// After `limit`: the rule's parameters and `total`.
    LimitStart {
        /// The rule's actions.
        actions: Vec<String>,
    },
    /// A type in a schema or parameter list.
    Types,
    /// Inside `customer { … }` / `context { … }` of a test: attribute names.
    TestFields {
        /// Customer rather than context.
        customer: bool,
    },
    /// Inside `action A { … }` of a test: A's parameters.
    TestParams {
        /// The action.
        action: String,
    },
}

type Tok<'s> = (usize, Token<'s>, usize);

/// What the block a `{` opens is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Brace {
    Rule,
    Test,
    Schema,
    Enum,
    /// A test line's block: `customer {`, `context {`, `action A {`, `history {`.
    TestBlock(usize),
    /// A set literal `{a, b}`.
    Set,
    Other,
}

/// The context at byte `offset` of `text`.
pub fn context(text: &str, offset: usize) -> Context {
    let offset = crate::text::floor_char_boundary(text, offset);
    let prefix = &text[..offset];
    let lexed = remit_syntax::lex(FileId(0), prefix);
    if lexed.comments.iter().any(|c| c.span.end as usize == offset) {
        return Context::Nothing;
    }
    let mut tokens: Vec<Tok<'_>> = lexed.tokens;
    if let Some((_, t, end)) = tokens.last() {
        if *end == offset {
            match t {
                Token::Str(_) | Token::UnterminatedStr(_) | Token::Int(_) | Token::Decimal(_) => {
                    return Context::Nothing
                }
                t if t.is_keyword() || matches!(t, Token::Ident(_)) => {
                    tokens.pop();
                }
                _ => {}
            }
        }
    }
    Detector::new(&tokens).detect()
}

struct Detector<'a, 's> {
    tokens: &'a [Tok<'s>],
    /// Index of the current item's first token.
    item: usize,
    /// Open braces: token index and what they open.
    braces: Vec<(usize, Brace)>,
    parens: Vec<usize>,
}

fn ident<'s>(t: &Token<'s>) -> Option<&'s str> {
    match t {
        Token::Ident(s) => Some(s),
        _ => None,
    }
}

impl<'a, 's> Detector<'a, 's> {
    fn new(tokens: &'a [Tok<'s>]) -> Self {
        let mut d = Detector {
            tokens,
            item: 0,
            braces: Vec::new(),
            parens: Vec::new(),
        };
        d.scan();
        d
    }

    fn tok(&self, i: usize) -> Option<&Token<'s>> {
        self.tokens.get(i).map(|t| &t.1)
    }

    /// Finds the item the cursor is in (the parser's own cut,
    /// [`remit_syntax::split_items`]) and the braces and parentheses open
    /// inside it.
    fn scan(&mut self) {
        self.item = remit_syntax::split_items(self.tokens)
            .last()
            .map_or(0, |r| r.start);
        for i in self.item..self.tokens.len() {
            match self.tokens[i].1 {
                Token::LBrace => {
                    let kind = self.brace_kind(i);
                    self.braces.push((i, kind));
                }
                Token::RBrace => {
                    self.braces.pop();
                }
                Token::LParen => self.parens.push(i),
                Token::RParen => {
                    self.parens.pop();
                }
                _ => {}
            }
        }
    }

    /// The keyword of the current item, annotations skipped.
    fn item_keyword(&self) -> Option<Token<'s>> {
        let mut i = self.item;
        while let Some(Token::At) = self.tok(i) {
            // Skip `@name(…)`.
            i += 1;
            while let Some(t) = self.tok(i) {
                i += 1;
                if *t == Token::RParen {
                    break;
                }
            }
        }
        self.tok(i).copied()
    }

    fn brace_kind(&self, i: usize) -> Brace {
        let prev = i.checked_sub(1).and_then(|p| self.tok(p));
        if prev == Some(&Token::In) {
            return Brace::Set;
        }
        match self.braces.last() {
            None => match self.item_keyword() {
                Some(Token::Rule) => Brace::Rule,
                Some(Token::Test) => Brace::Test,
                Some(Token::Customer | Token::Context) => Brace::Schema,
                Some(Token::Enum) => Brace::Enum,
                _ => Brace::Other,
            },
            Some((open, Brace::Test)) if prev != Some(&Token::Colon) => {
                match self.line_start(*open + 1, i, test_line_start) {
                    Some(start) => Brace::TestBlock(start),
                    None => Brace::Other,
                }
            }
            Some(_) => Brace::Set,
        }
    }

    /// The index of the last token in `from..to` that starts a clause or
    /// test line (per `is_start`), at the same brace depth as `from`.
    fn line_start(
        &self,
        from: usize,
        to: usize,
        is_start: fn(&[Tok<'s>], usize) -> bool,
    ) -> Option<usize> {
        let mut depth = 0usize;
        let mut found = None;
        for i in from..to.min(self.tokens.len()) {
            match self.tokens[i].1 {
                Token::LBrace => depth += 1,
                Token::RBrace => depth = depth.saturating_sub(1),
                _ if depth == 0 && is_start(self.tokens, i) => found = Some(i),
                _ => {}
            }
        }
        found
    }

    fn detect(&self) -> Context {
        let n = self.tokens.len();
        let last = n.checked_sub(1).and_then(|i| self.tok(i)).copied();
        let before_last = n.checked_sub(2).and_then(|i| self.tok(i)).copied();
        // `customer.` / `context.` anywhere but a test block.
        if last == Some(Token::Dot) {
            return match before_last {
                Some(Token::Customer) => Context::Attributes { customer: true },
                Some(Token::Context) => Context::Attributes { customer: false },
                _ => Context::Nothing,
            };
        }
        let Some(last) = last else {
            return Context::Keywords(ITEM_KEYWORDS.to_vec());
        };
        match self.braces.last().copied() {
            None => self.top_level(last),
            Some((open, Brace::Rule)) => self.rule_body(open + 1),
            Some((open, Brace::Test)) => self.test_line(open + 1),
            Some((_, Brace::Schema)) | Some((_, Brace::Other)) => {
                if matches!(last, Token::Colon)
                    || (last == Token::Lt && before_last == Some(Token::Ident("Set")))
                {
                    Context::Types
                } else {
                    Context::Nothing
                }
            }
            Some((_, Brace::Enum)) => Context::Nothing,
            Some((_, Brace::TestBlock(line))) => self.test_block(line),
            Some((open, Brace::Set)) => self.set_literal(open),
        }
    }

    fn top_level(&self, last: Token<'s>) -> Context {
        let item = &self.tokens[self.item..];
        let first = item.first().map(|t| t.1);
        if first == Some(Token::At) && self.item_keyword().is_none() {
            return match last {
                Token::At => Context::Keywords(vec!["allow", "deny"]),
                Token::LParen | Token::Comma if !self.parens.is_empty() => Context::Lints,
                Token::RParen => Context::Keywords(vec!["rule", "policy"]),
                _ => Context::Nothing,
            };
        }
        match self.item_keyword() {
            Some(Token::Role) => match last {
                Token::Extends | Token::Comma => Context::Roles { any: false },
                Token::Role => Context::Nothing,
                Token::Ident(_) if item.len() == 2 => Context::Keywords(
                    std::iter::once("extends")
                        .chain(ITEM_KEYWORDS.iter().copied())
                        .collect(),
                ),
                _ => Context::Keywords(ITEM_KEYWORDS.to_vec()),
            },
            Some(Token::Action) if !self.parens.is_empty() => match last {
                Token::Colon => Context::Types,
                _ => Context::Nothing,
            },
            Some(Token::Segment | Token::Situation) => {
                let customers_only = self.item_keyword() == Some(Token::Segment);
                if !item.iter().any(|t| t.1 == Token::Assign) {
                    return Context::Nothing;
                }
                self.expression(last, customers_only, Vec::new(), ITEM_KEYWORDS.to_vec())
            }
            Some(
                Token::Policy
                | Token::Currency
                | Token::Enum
                | Token::Obligation
                | Token::Rule
                | Token::Test
                | Token::Action,
            ) if item.len() == 1 => Context::Nothing,
            Some(Token::Policy) if item.len() == 2 => Context::Keywords(
                std::iter::once("version")
                    .chain(ITEM_KEYWORDS.iter().copied())
                    .collect(),
            ),
            _ => Context::Keywords(ITEM_KEYWORDS.to_vec()),
        }
    }

    /// Inside a rule body starting at token `body`.
    fn rule_body(&self, body: usize) -> Context {
        let Some(start) = self.line_start(body, self.tokens.len(), rule_clause_start) else {
            return Context::Keywords(EFFECT_KEYWORDS.to_vec());
        };
        let clause = &self.tokens[start..];
        let kw = clause[0].1;
        let rest: Vec<Token<'s>> = clause[1..].iter().map(|t| t.1).collect();
        let last = rest.last().copied();
        let actions = self.rule_actions(body);
        let clauses = || Context::Keywords(CLAUSE_KEYWORDS.to_vec());
        match kw {
            Token::Permit | Token::Forbid => {
                let after_to = rest.iter().position(|t| *t == Token::To);
                match (after_to, last) {
                    (None, None | Some(Token::Comma)) => Context::Roles { any: true },
                    (None, Some(_)) => Context::Keywords(vec!["to"]),
                    (Some(_), Some(Token::To | Token::Comma)) => Context::Actions { any: true },
                    (Some(_), _) => clauses(),
                }
            }
            Token::Escalate => {
                let from = rest.iter().position(|t| *t == Token::From);
                let to = rest.iter().position(|t| *t == Token::To);
                match (from, to, last) {
                    (None, _, None | Some(Token::Comma)) => Context::Actions { any: true },
                    (None, _, Some(_)) => Context::Keywords(vec!["from"]),
                    (Some(_), None, Some(Token::From | Token::Comma)) => {
                        Context::Roles { any: true }
                    }
                    (Some(_), None, Some(_)) => Context::Keywords(vec!["to"]),
                    (Some(_), Some(_), Some(Token::To)) => Context::Roles { any: false },
                    _ => clauses(),
                }
            }
            Token::For => match last {
                Some(Token::Any) => Context::Keywords(vec!["customer"]),
                Some(Token::Customer) if rest.len() >= 2 && rest[rest.len() - 2] == Token::Any => {
                    clauses()
                }
                Some(t) => self.expression(t, true, actions, CLAUSE_KEYWORDS.to_vec()),
                None => self.expression(Token::For, true, actions, Vec::new()),
            },
            Token::When => match last {
                Some(t) => self.expression(t, false, actions, CLAUSE_KEYWORDS.to_vec()),
                None => self.expression(Token::When, false, actions, Vec::new()),
            },
            Token::Limit => {
                let pers = rest.iter().filter(|t| **t == Token::Per).count();
                let cap = rest.iter().any(|t| matches!(t, Token::Le | Token::Lt));
                match (rest.as_slice(), last) {
                    ([], _) => Context::LimitStart { actions },
                    ([Token::Int(_)] | [Token::Total, _] | [Token::Total, _, _], _) => {
                        Context::Keywords(vec!["per"])
                    }
                    // A subject, or (after the first) a window.
                    (_, Some(Token::Per)) if pers == 1 => {
                        Context::Keywords(vec!["customer", "employee", "context"])
                    }
                    (_, Some(Token::Per)) => {
                        Context::Keywords(vec!["customer", "employee", "context", "calendar"])
                    }
                    (_, Some(Token::Calendar)) => {
                        Context::Keywords(vec!["day", "week", "month", "quarter", "year"])
                    }
                    (_, Some(Token::Customer | Token::Employee)) => Context::Keywords(vec!["per"]),
                    (_, Some(Token::Ident(_) | Token::Int(_) | Token::Decimal(_)))
                        if cap && rest.len() >= 3 =>
                    {
                        clauses()
                    }
                    (_, Some(Token::Ident(_))) if pers >= 2 => clauses(),
                    // A relational cap's right side (LANGUAGE.md §8.1).
                    (_, Some(t))
                        if cap && (matches!(t, Token::Le | Token::Lt) || self.term_follows(t)) =>
                    {
                        Context::Quantity {
                            customers_only: false,
                            actions,
                        }
                    }
                    _ => Context::Nothing,
                }
            }
            Token::Require => match last {
                None | Some(Token::Comma) => Context::Obligations,
                _ => clauses(),
            },
            Token::Aims => match last {
                None | Some(Token::Comma) => Context::Outcomes,
                _ => clauses(),
            },
            Token::Notify => match last {
                None | Some(Token::Comma) => Context::Roles { any: false },
                _ => clauses(),
            },
            Token::Otherwise => match rest.as_slice() {
                [] => Context::Keywords(vec!["escalate"]),
                [Token::Escalate] => Context::Keywords(vec!["to"]),
                [Token::Escalate, Token::To] => Context::Roles { any: false },
                _ => clauses(),
            },
            _ => clauses(),
        }
    }

    /// The actions a rule's effect names.
    fn rule_actions(&self, body: usize) -> Vec<String> {
        let Some(first) = self.tokens.get(body) else {
            return Vec::new();
        };
        let effect: Vec<Token<'s>> = self.tokens[body..]
            .iter()
            .map(|t| t.1)
            .take_while(|t| {
                !matches!(
                    t,
                    Token::For
                        | Token::When
                        | Token::Limit
                        | Token::Require
                        | Token::Notify
                        | Token::Otherwise
                        | Token::Aims
                        | Token::RBrace
                )
            })
            .collect();
        let names = |tokens: &[Token<'s>]| -> Vec<String> {
            tokens
                .iter()
                .filter_map(|t| ident(t).map(str::to_string))
                .collect()
        };
        match first.1 {
            Token::Permit | Token::Forbid => match effect.iter().position(|t| *t == Token::To) {
                Some(to) => names(&effect[to + 1..]),
                None => Vec::new(),
            },
            Token::Escalate => {
                let end = effect
                    .iter()
                    .position(|t| *t == Token::From)
                    .unwrap_or(effect.len());
                names(&effect[1..end])
            }
            _ => Vec::new(),
        }
    }

    /// In a condition, after token `last`.
    fn expression(
        &self,
        last: Token<'s>,
        customers_only: bool,
        actions: Vec<String>,
        then: Vec<&'static str>,
    ) -> Context {
        let n = self.tokens.len();
        match last {
            t if self.term_follows(t)
                || matches!(t, Token::Lt | Token::Le | Token::Gt | Token::Ge) =>
            {
                Context::Quantity {
                    customers_only,
                    actions,
                }
            }
            Token::For
            | Token::When
            | Token::And
            | Token::Or
            | Token::Not
            | Token::LParen
            | Token::Assign => Context::Operand {
                customers_only,
                actions,
            },
            Token::EqEq | Token::NotEq | Token::Contains => match self.operand_before(n - 1) {
                Some(op) => Context::Variants(op),
                None => Context::Nothing,
            },
            Token::In => Context::Nothing,
            _ => Context::AfterOperand { then },
        }
    }

    /// Whether a quantity term starts after `last` within a quantity
    /// expression: after `of`, `+`, `-` or `*`, or after the `(` or a `,`
    /// of a `min(…)` / `max(…)` call (a `(` that groups conditions does not
    /// count).
    fn term_follows(&self, last: Token<'s>) -> bool {
        match last {
            Token::Of | Token::Plus | Token::Minus | Token::Star => true,
            Token::LParen | Token::Comma => self.parens.last().is_some_and(|&open| {
                open > 0 && matches!(self.tokens[open - 1].1, Token::Ident("min" | "max"))
            }),
            _ => false,
        }
    }

    /// The path operand that ends right before token `i`.
    fn operand_before(&self, i: usize) -> Option<Operand> {
        let name = ident(self.tok(i.checked_sub(1)?)?)?.to_string();
        let dot = i.checked_sub(2).and_then(|j| self.tok(j));
        let owner = i.checked_sub(3).and_then(|j| self.tok(j));
        Some(match (dot, owner) {
            (Some(Token::Dot), Some(Token::Customer)) => Operand::Customer(name),
            (Some(Token::Dot), Some(Token::Context)) => Operand::Context(name),
            _ => Operand::Param(name),
        })
    }

    /// Inside a set literal opened at token `open`.
    fn set_literal(&self, open: usize) -> Context {
        let mut i = open;
        if i > 0 && self.tok(i - 1) == Some(&Token::In) {
            i -= 1;
            if i > 0 && self.tok(i - 1) == Some(&Token::Not) {
                i -= 1;
            }
            return self
                .operand_before(i)
                .map_or(Context::Nothing, Context::Variants);
        }
        // `field: {` in a test block: the field is a set attribute.
        if i > 0 && self.tok(i - 1) == Some(&Token::Colon) {
            return self
                .test_value_operand(i - 1)
                .map_or(Context::Nothing, Context::Variants);
        }
        Context::Nothing
    }

    /// Inside a test body starting at token `body`.
    fn test_line(&self, body: usize) -> Context {
        let Some(start) = self.line_start(body, self.tokens.len(), test_line_start) else {
            return Context::Keywords(TEST_KEYWORDS.to_vec());
        };
        let rest: Vec<Token<'s>> = self.tokens[start + 1..].iter().map(|t| t.1).collect();
        let lines = || Context::Keywords(TEST_KEYWORDS.to_vec());
        match (self.tokens[start].1, rest.as_slice()) {
            (Token::Role, []) => Context::Roles { any: false },
            (Token::Action, []) => Context::Actions { any: false },
            (Token::Expect, []) => Context::Keywords(vec!["permit", "deny", "escalate"]),
            (Token::Expect, [Token::Permit]) => Context::Keywords(
                std::iter::once("requiring")
                    .chain(TEST_KEYWORDS.iter().copied())
                    .collect(),
            ),
            (Token::Expect, [Token::Permit, Token::Requiring, ..]) => match rest.last() {
                Some(Token::Requiring | Token::Comma) => Context::Obligations,
                _ => lines(),
            },
            (Token::Expect, [Token::Escalate]) => Context::Keywords(vec!["to"]),
            (Token::Expect, [Token::Escalate, Token::To]) => Context::Roles { any: false },
            (Token::Customer | Token::Context | Token::History, []) => Context::Nothing,
            _ => lines(),
        }
    }

    /// Inside a test line's block; the line starts at token `line`.
    fn test_block(&self, line: usize) -> Context {
        let n = self.tokens.len();
        let last = self.tok(n.saturating_sub(1)).copied();
        let kw = self.tok(line).copied();
        if kw == Some(Token::History) {
            return match last {
                Some(Token::LBrace | Token::Comma) => Context::Actions { any: false },
                _ => Context::Nothing,
            };
        }
        match last {
            Some(Token::LBrace | Token::Comma) => match kw {
                Some(Token::Customer) => Context::TestFields { customer: true },
                Some(Token::Context) => Context::TestFields { customer: false },
                Some(Token::Action) => {
                    self.tok(line + 1)
                        .and_then(ident)
                        .map_or(Context::Nothing, |a| Context::TestParams {
                            action: a.to_string(),
                        })
                }
                _ => Context::Nothing,
            },
            Some(Token::Colon) => self
                .test_value_operand(n - 1)
                .map_or(Context::Nothing, Context::Variants),
            _ => Context::Nothing,
        }
    }

    /// The field before the `:` at token `colon`, as an operand of the
    /// block it is in.
    fn test_value_operand(&self, colon: usize) -> Option<Operand> {
        let name = ident(self.tok(colon.checked_sub(1)?)?)?.to_string();
        let (_, kind) = self
            .braces
            .iter()
            .rev()
            .find(|(_, k)| matches!(k, Brace::TestBlock(_)))?;
        let Brace::TestBlock(line) = kind else {
            return None;
        };
        Some(match self.tok(*line)? {
            Token::Customer => Operand::Customer(name),
            Token::Context => Operand::Context(name),
            _ => Operand::Param(name),
        })
    }
}

fn test_line_start(tokens: &[Tok<'_>], i: usize) -> bool {
    matches!(
        tokens[i].1,
        Token::Role
            | Token::Action
            | Token::Customer
            | Token::Context
            | Token::History
            | Token::Expect
    )
}

fn rule_clause_start(tokens: &[Tok<'_>], i: usize) -> bool {
    let prev = i.checked_sub(1).map(|p| tokens[p].1);
    match tokens[i].1 {
        Token::Permit | Token::Forbid => true,
        Token::Escalate => prev != Some(Token::Otherwise),
        t => t.keyword().is_some_and(|k| CLAUSE_KEYWORDS.contains(&k)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The context at the `|` in `text`.
    fn at(text: &str) -> Context {
        let offset = text.find('|').unwrap();
        let text = text.replacen('|', "", 1);
        context(&text, offset)
    }

    fn keywords(ctx: Context) -> Vec<&'static str> {
        match ctx {
            Context::Keywords(k) => k,
            other => panic!("expected keywords, got {other:?}"),
        }
    }

    #[test]
    fn top_level_items() {
        assert_eq!(keywords(at("|")), ITEM_KEYWORDS);
        assert!(keywords(at("role a\nru|")).contains(&"rule"));
        assert_eq!(
            keywords(at("rule a {\n  permit x to y\n}\n|")),
            ITEM_KEYWORDS
        );
        assert_eq!(at("rule |"), Context::Nothing);
        assert_eq!(at("role a extends |"), Context::Roles { any: false });
        assert_eq!(at("// a comment |"), Context::Nothing);
        assert_eq!(at("obligation x \"Reco|"), Context::Nothing);
    }

    #[test]
    fn annotations() {
        assert_eq!(keywords(at("@|")), ["allow", "deny"]);
        assert_eq!(at("@allow(|"), Context::Lints);
        assert_eq!(at("@allow(unscoped_customers, unb|"), Context::Lints);
        assert_eq!(at("rule a {}\n@deny(|"), Context::Lints);
    }

    #[test]
    fn rule_effects() {
        assert_eq!(keywords(at("rule a {\n  |")), EFFECT_KEYWORDS);
        assert_eq!(at("rule a {\n  permit |"), Context::Roles { any: true });
        assert_eq!(
            at("rule a {\n  permit clerk, m|"),
            Context::Roles { any: true }
        );
        assert_eq!(keywords(at("rule a {\n  permit clerk |")), ["to"]);
        assert_eq!(
            at("rule a {\n  permit clerk to |"),
            Context::Actions { any: true }
        );
        assert_eq!(at("rule a {\n  escalate |"), Context::Actions { any: true });
        assert_eq!(
            at("rule a {\n  escalate x from |"),
            Context::Roles { any: true }
        );
        assert_eq!(
            at("rule a {\n  escalate x from y to |"),
            Context::Roles { any: false }
        );
    }

    #[test]
    fn rule_clauses() {
        let r = "rule a {\n  permit clerk to refund, comp\n  ";
        assert_eq!(keywords(at(&format!("{r}|"))), CLAUSE_KEYWORDS);
        assert_eq!(keywords(at(&format!("{r}li|"))), CLAUSE_KEYWORDS);
        assert_eq!(at(&format!("{r}require |")), Context::Obligations);
        assert_eq!(at(&format!("{r}require a, |")), Context::Obligations);
        assert_eq!(at(&format!("{r}notify |")), Context::Roles { any: false });
        assert_eq!(keywords(at(&format!("{r}otherwise |"))), ["escalate"]);
        assert_eq!(keywords(at(&format!("{r}otherwise escalate |"))), ["to"]);
        assert_eq!(
            at(&format!("{r}otherwise escalate to |")),
            Context::Roles { any: false }
        );
        assert_eq!(keywords(at(&format!("{r}for any |"))), ["customer"]);
        assert_eq!(
            at(&format!("{r}limit |")),
            Context::LimitStart {
                actions: vec!["refund".into(), "comp".into()]
            }
        );
        assert_eq!(keywords(at(&format!("{r}limit 2 |"))), ["per"]);
        assert_eq!(
            keywords(at(&format!("{r}limit 2 per |"))),
            ["customer", "employee", "context"]
        );
        assert_eq!(keywords(at(&format!("{r}limit 2 per customer |"))), ["per"]);
        assert_eq!(
            keywords(at(&format!("{r}limit 2 per customer per 30 days\n  |"))),
            CLAUSE_KEYWORDS
        );
    }

    #[test]
    fn conditions() {
        let r = "rule a {\n  permit clerk to refund\n  ";
        assert_eq!(
            at(&format!("{r}for |")),
            Context::Operand {
                customers_only: true,
                actions: vec!["refund".into()]
            }
        );
        assert_eq!(
            at(&format!("{r}when x and |")),
            Context::Operand {
                customers_only: false,
                actions: vec!["refund".into()]
            }
        );
        assert_eq!(
            at(&format!("{r}for customer.|")),
            Context::Attributes { customer: true }
        );
        assert_eq!(
            at(&format!("{r}when context.inc|")),
            Context::Attributes { customer: false }
        );
        assert_eq!(
            at(&format!("{r}for customer.tier in {{|")),
            Context::Variants(Operand::Customer("tier".into()))
        );
        assert_eq!(
            at(&format!("{r}for customer.tier not in {{gold, |")),
            Context::Variants(Operand::Customer("tier".into()))
        );
        assert_eq!(
            at(&format!("{r}when context.channel == |")),
            Context::Variants(Operand::Context("channel".into()))
        );
        assert_eq!(
            at(&format!("{r}when kind != |")),
            Context::Variants(Operand::Param("kind".into()))
        );
        assert_eq!(
            at(&format!("{r}when service_failure |")),
            Context::AfterOperand {
                then: CLAUSE_KEYWORDS.to_vec()
            }
        );
        assert_eq!(
            at("segment s = customer.products contains |"),
            Context::Variants(Operand::Customer("products".into()))
        );
        assert_eq!(
            at("segment s = |"),
            Context::Operand {
                customers_only: true,
                actions: vec![]
            }
        );
    }

    #[test]
    fn quantities() {
        let r = "rule a {\n  permit clerk to refund\n  ";
        let quantity = |customers_only: bool| Context::Quantity {
            customers_only,
            actions: vec!["refund".into()],
        };
        let condition = Context::Operand {
            customers_only: false,
            actions: vec!["refund".into()],
        };
        assert_eq!(at(&format!("{r}limit amount <= |")), quantity(false));
        assert_eq!(at(&format!("{r}limit amount < 20% of |")), quantity(false));
        assert_eq!(
            at(&format!("{r}limit amount <= context.bill - |")),
            quantity(false)
        );
        assert_eq!(at(&format!("{r}limit amount <= 2 * |")), quantity(false));
        assert_eq!(at(&format!("{r}limit amount <= max(|")), quantity(false));
        assert_eq!(
            at(&format!("{r}limit amount <= max(10% of context.bill, |")),
            quantity(false)
        );
        assert_eq!(at(&format!("{r}when context.a + |")), quantity(false));
        assert_eq!(at(&format!("{r}when amount >= |")), quantity(false));
        assert_eq!(at(&format!("{r}for customer.paid > |")), quantity(true));
        // A parenthesis that groups conditions is still a condition.
        assert_eq!(at(&format!("{r}when (|")), condition);
        assert_eq!(
            at(&format!("{r}limit amount <= context.bill |")),
            Context::Keywords(CLAUSE_KEYWORDS.to_vec())
        );
    }

    #[test]
    fn tests() {
        let t = "test \"x\" {\n  ";
        assert_eq!(keywords(at(&format!("{t}|"))), TEST_KEYWORDS);
        assert_eq!(at(&format!("{t}role |")), Context::Roles { any: false });
        assert_eq!(keywords(at(&format!("{t}role clerk\n  |"))), TEST_KEYWORDS);
        assert_eq!(at(&format!("{t}action |")), Context::Actions { any: false });
        assert_eq!(
            keywords(at(&format!("{t}expect |"))),
            ["permit", "deny", "escalate"]
        );
        assert_eq!(
            at(&format!("{t}expect permit requiring |")),
            Context::Obligations
        );
        assert_eq!(
            at(&format!("{t}expect escalate to |")),
            Context::Roles { any: false }
        );
        assert_eq!(
            at(&format!("{t}customer {{ |")),
            Context::TestFields { customer: true }
        );
        assert_eq!(
            at(&format!("{t}customer {{ tier: gold, |")),
            Context::TestFields { customer: true }
        );
        assert_eq!(
            at(&format!("{t}customer {{ tier: |")),
            Context::Variants(Operand::Customer("tier".into()))
        );
        assert_eq!(
            at(&format!("{t}customer {{ products: {{|")),
            Context::Variants(Operand::Customer("products".into()))
        );
        assert_eq!(
            at(&format!("{t}action refund {{ |")),
            Context::TestParams {
                action: "refund".into()
            }
        );
        assert_eq!(
            at(&format!("{t}history {{ |")),
            Context::Actions { any: false }
        );
        assert_eq!(
            keywords(at(&format!("{t}customer {{ tier: gold }}\n  |"))),
            TEST_KEYWORDS
        );
    }

    #[test]
    fn schemas_and_parameters() {
        assert_eq!(at("customer {\n  tier: |"), Context::Types);
        assert_eq!(at("customer {\n  tier|"), Context::Nothing);
        assert_eq!(at("action refund(amount: |"), Context::Types);
        assert_eq!(at("context {\n  x: Set<|"), Context::Types);
    }
}
