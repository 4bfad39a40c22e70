//! The parser driver: splits a file into items, parses each with the
//! LALRPOP `Item` parser, and turns parse errors into diagnostics that say
//! in words what was expected.

use crate::ast::{self, CapOp, ClauseKind, CommentKind, Ident, Item, ItemKind, Operand, Sum, Term};
use crate::clause::{clause_keyword_list, CLAUSE_KEYWORDS};
use crate::grammar::ItemParser;
use crate::lex::{lex, SpannedToken};
use crate::token::Token;
use crate::token::ITEM_KEYWORDS;
use lalrpop_util::ParseError;
use rayon::prelude::*;
use remit_diagnostics::{Code, Diagnostic, FileId, Span};
use std::convert::Infallible;

/// How deep parentheses and `not`s may nest before the parser refuses an
/// item (so that no later pass can overflow its stack).
pub const MAX_NESTING: usize = 64;

type Error<'s> = ParseError<usize, Token<'s>, Infallible>;

/// Parses one file. Never fails and never panics: every problem is a
/// diagnostic, and a broken item is kept as [`ItemKind::Error`].
pub fn parse(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    let lexed = lex(file, text);
    let mut diagnostics = lexed.diagnostics;
    let chunks = split_items(&lexed.tokens);
    // Items parse independently (the splitter cut the tokens at item
    // keywords), so they parse in parallel; results keep source order.
    let parsed: Vec<(Option<Item>, Vec<Diagnostic>)> = chunks
        .par_iter()
        .enumerate()
        .map(|(index, range)| {
            let next = chunks
                .get(index + 1)
                .and_then(|r| lexed.tokens.get(r.start));
            parse_item(file, &lexed.tokens[range.clone()], next)
        })
        .collect();
    let mut items = Vec::with_capacity(parsed.len());
    for (item, item_diagnostics) in parsed {
        diagnostics.extend(item_diagnostics);
        items.extend(item);
    }
    dedupe(&mut diagnostics);
    attach_docs(text, &mut items, &lexed.comments);
    (
        ast::File {
            items,
            comments: lexed.comments,
        },
        diagnostics,
    )
}

/// Parses the tokens of one item (`next` is the token after them, for
/// "expected …" messages at the end); an item that does not parse becomes
/// an error item.
fn parse_item<'s>(
    file: FileId,
    tokens: &[SpannedToken<'s>],
    next: Option<&SpannedToken<'s>>,
) -> (Option<Item>, Vec<Diagnostic>) {
    let (Some(first), Some(last)) = (tokens.first(), tokens.last()) else {
        return (None, Vec::new());
    };
    let span = Span::new(file, first.0, last.2);
    let ctx = Context { file, tokens, next };
    if let Some(d) = check_nesting(file, tokens) {
        return (Some(error_item(span)), vec![d]);
    }
    let mut recovered = Vec::new();
    let result = ItemParser::new().parse(file, &mut recovered, tokens.iter().copied());
    let mut diagnostics: Vec<Diagnostic> = recovered
        .into_iter()
        .map(|e| ctx.diagnostic(e.error))
        .collect();
    match result {
        Ok(item) => (Some(item), diagnostics),
        Err(e) => {
            diagnostics.push(ctx.diagnostic(e));
            (Some(error_item(span)), diagnostics)
        }
    }
}

fn error_item(span: Span) -> Item {
    Item {
        kind: ItemKind::Error,
        span,
        doc: None,
        annotations: Vec::new(),
    }
}

/// Error recovery can report the same position twice; keep the first.
fn dedupe(diagnostics: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashSet::new();
    diagnostics.retain(|d| seen.insert((d.primary.span, d.code.id)));
}

/// Splits the token stream into top-level items. An item starts at a
/// keyword that only ever starts items (`rule`, `test`, `enum`, …, which
/// also resynchronise after a missing `}`), at `role`/`action`/`@` outside
/// braces, and at `customer {`/`context {` outside braces. Annotations stay
/// with the item they precede.
/// The language server's completion reads the same cut, so the two never
/// disagree on where an item starts.
pub fn split_items(tokens: &[SpannedToken<'_>]) -> Vec<std::ops::Range<usize>> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    let mut annotations_only = false;
    for (i, (_, token, _)) in tokens.iter().enumerate() {
        let always = matches!(
            token,
            Token::Policy
                | Token::Currency
                | Token::Enum
                | Token::Obligation
                | Token::Segment
                | Token::Situation
                | Token::Rule
                | Token::Test
                | Token::Timezone
                | Token::Outcome
        );
        let at_top = depth == 0
            && match token {
                Token::Role | Token::Action | Token::At => true,
                Token::Customer | Token::Context => {
                    matches!(tokens.get(i + 1), Some((_, Token::LBrace, _)))
                }
                _ => false,
            };
        if i == start {
            annotations_only = *token == Token::At;
        } else if always || at_top {
            if annotations_only {
                // `@allow(x) rule r { … }` is one item.
                annotations_only = *token == Token::At;
            } else {
                chunks.push(start..i);
                start = i;
                depth = 0;
                annotations_only = *token == Token::At;
            }
        } else if annotations_only
            && !matches!(
                token,
                Token::At
                    | Token::Ident(_)
                    | Token::Deny
                    | Token::LParen
                    | Token::RParen
                    | Token::Comma
            )
        {
            annotations_only = false;
        }
        match token {
            Token::LBrace => depth += 1,
            Token::RBrace => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if start < tokens.len() {
        chunks.push(start..tokens.len());
    }
    chunks
}

fn check_nesting(file: FileId, tokens: &[SpannedToken<'_>]) -> Option<Diagnostic> {
    let mut parens = 0usize;
    let mut nots = 0usize;
    for (l, token, r) in tokens {
        match token {
            Token::LParen => parens += 1,
            Token::RParen => parens = parens.saturating_sub(1),
            _ => {}
        }
        nots = if *token == Token::Not { nots + 1 } else { 0 };
        if parens > MAX_NESTING || nots > MAX_NESTING {
            return Some(
                Diagnostic::new(
                    Code::NESTING_TOO_DEEP,
                    format!("expression nested more than {MAX_NESTING} levels deep"),
                    Span::new(file, *l, *r),
                    "the limit is reached here",
                )
                .help("split the condition into named `segment`s or `situation`s"),
            );
        }
    }
    None
}

/// Attaches each run of `///` lines to the item, or the schema field or
/// action parameter, right after it (only whitespace between them).
fn attach_docs(text: &str, items: &mut [Item], comments: &[ast::Comment]) {
    let docs: Vec<&ast::Comment> = comments
        .iter()
        .filter(|c| c.kind == CommentKind::Doc)
        .collect();
    for item in items.iter_mut() {
        item.doc = doc_before(text, &docs, item.span.start as usize);
        let fields = match &mut item.kind {
            ItemKind::Customer(schema) | ItemKind::Context(schema) => &mut schema.fields,
            ItemKind::Action(action) => &mut action.params,
            _ => continue,
        };
        for field in fields {
            field.doc = doc_before(text, &docs, field.name.span.start as usize);
        }
    }
}

/// The run of `///` lines that ends right before byte `at` (only
/// whitespace between each line and the next, and before `at`), joined
/// without the slashes. `docs` is in source order.
fn doc_before(text: &str, docs: &[&ast::Comment], at: usize) -> Option<String> {
    let mut first = docs.partition_point(|c| (c.span.end as usize) <= at);
    let mut end = at;
    while let Some(c) = first.checked_sub(1).and_then(|i| docs.get(i)) {
        if !is_blank(text, c.span.end as usize, end) {
            break;
        }
        end = c.span.start as usize;
        first -= 1;
    }
    let run = docs
        .get(first..)?
        .iter()
        .take_while(|c| (c.span.end as usize) <= at);
    let lines: Vec<&str> = run
        .map(|c| {
            let body = c.text.trim_start_matches("///");
            body.strip_prefix(' ').unwrap_or(body)
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

fn is_blank(text: &str, from: usize, to: usize) -> bool {
    text.get(from..to)
        .is_some_and(|s| s.chars().all(char::is_whitespace))
}

/// Resolves `\"` and `\\` in a string token (quotes included).
/// `first` followed by `rest`, in a vector exactly as long as it needs
/// to be: syntax trees of large policies hold millions of these.
pub(crate) fn one_then<T>(first: T, rest: Vec<T>) -> Vec<T> {
    let mut v = Vec::with_capacity(rest.len() + 1);
    v.push(first);
    v.extend(rest);
    v
}

/// A vector without spare capacity (see [`one_then`]).
/// A quantity expression as an operand: a lone path or literal keeps its
/// version 1 form, anything else is a [`Operand::Sum`].
pub(crate) fn operand(sum: Sum) -> Operand {
    if let [only] = sum.terms.as_slice() {
        match &only.term {
            Term::Path(p) => return Operand::Path(p.clone()),
            Term::Quantity(q) => return Operand::Quantity(q.clone()),
            _ => {}
        }
    }
    Operand::Sum(sum)
}

/// `limit PARAM OP EXPR`: a literal bound is a cap, anything else a
/// relational cap.
pub(crate) fn cap(param: Ident, op: CapOp, bound: Sum) -> ClauseKind {
    if let [only] = bound.terms.as_slice() {
        if let Term::Quantity(value) = &only.term {
            return ClauseKind::Cap {
                param,
                op,
                value: value.clone(),
            };
        }
    }
    ClauseKind::RelCap { param, op, bound }
}

pub(crate) fn exact<T>(mut v: Vec<T>) -> Vec<T> {
    v.shrink_to_fit();
    v
}

pub(crate) fn unescape(raw: &str) -> String {
    let inner = raw
        .strip_prefix('"')
        .map(|s| s.strip_suffix('"').unwrap_or(s))
        .unwrap_or(raw);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// What the error messages need to know about the item being parsed.
struct Context<'a, 's> {
    file: FileId,
    tokens: &'a [SpannedToken<'s>],
    next: Option<&'a SpannedToken<'s>>,
}

impl Context<'_, '_> {
    fn diagnostic(&self, error: Error<'_>) -> Diagnostic {
        match error {
            ParseError::UnrecognizedToken { token, expected } if expected.is_empty() => {
                self.diagnostic(ParseError::ExtraToken { token })
            }
            ParseError::UnrecognizedToken { token, expected } => {
                self.unexpected(Some(token), &expected)
            }
            ParseError::UnrecognizedEof { expected, .. } => self.unexpected(None, &expected),
            ParseError::ExtraToken { token } => {
                let (l, t, r) = token;
                let item = self.item_phrase();
                Diagnostic::new(
                    Code::SYNTAX_ERROR,
                    format!("unexpected {t} after the end of {item}"),
                    Span::new(self.file, l, r),
                    "not part of the item before it",
                )
                .help(format!("remove {t}, or start a new item here"))
            }
            ParseError::InvalidToken { location } => Diagnostic::new(
                Code::INVALID_TOKEN,
                "unexpected character",
                Span::new(self.file, location, location + 1),
                "not part of any Remit token",
            )
            .help("remove it"),
            ParseError::User { error } => match error {},
        }
    }

    fn unexpected(
        &self,
        found: Option<(usize, Token<'_>, usize)>,
        expected: &[String],
    ) -> Diagnostic {
        let wanted = describe_expected(expected);
        let position = found.map_or(self.tokens.len(), |(l, _, _)| {
            self.tokens
                .iter()
                .position(|t| t.0 == l)
                .unwrap_or(self.tokens.len())
        });
        let context = self.context_phrase(position, expected);
        let (found_text, span, code) = match (found, self.next) {
            (Some((l, t, r)), _) => (
                t.to_string(),
                Span::new(self.file, l, r),
                Code::SYNTAX_ERROR,
            ),
            (None, Some((l, t, r))) => (
                format!("{t}, which starts the next item"),
                Span::new(self.file, *l, *r),
                Code::SYNTAX_ERROR,
            ),
            (None, None) => {
                let end = self.tokens.last().map_or(0, |t| t.2);
                (
                    "the end of the file".to_string(),
                    Span::new(self.file, end, end),
                    Code::UNEXPECTED_EOF,
                )
            }
        };
        let mut d = Diagnostic::new(
            code,
            format!("expected {wanted}{context}, found {found_text}"),
            span,
            format!("expected {wanted}"),
        );
        if let Some(help) = self.help(position, found.map(|t| t.1), expected) {
            d = d.help(help);
        }
        d
    }

    /// The help for a `limit` that stops before saying whom it counts:
    /// the whole form, with the author's own number or amount
    /// (LANGUAGE.md §2, §8.2).
    fn limit_help(&self, position: usize, expected: &[String]) -> Option<String> {
        let expects = |s: &str| expects(expected, s);
        let before = &self.tokens[..position.min(self.tokens.len())];
        let at = before.iter().rposition(|t| t.1 == Token::Limit)?;
        fn number<'s>(t: &Token<'s>) -> Option<&'s str> {
            match t {
                Token::Int(n) | Token::Decimal(n) => Some(n),
                _ => None,
            }
        }
        let subjects = "`customer`, `employee` or `context.K` (a `Key` attribute)";
        match &before[at + 1..] {
            [(_, n, _)] if expects("per") => {
                let n = number(n)?;
                Some(format!(
                    "a count says whom it counts, and may say over which window: `limit {n} per customer per 30 days`; it counts per {subjects}"
                ))
            }
            [(_, Token::Total, _), (_, amount, _), (_, Token::Ident(unit), _)] if expects("per") => {
                let amount = number(amount)?;
                Some(format!(
                    "a total says whom it counts, and may say over which window: `limit total {amount} {unit} per customer per 30 days`; it counts per {subjects}"
                ))
            }
            [.., (_, Token::Per, _)] if expects("calendar") => Some(format!(
                "after `per` comes another of {subjects}, or the window: `30 days` or `calendar month`"
            )),
            [.., (_, Token::Per, _)] if expects("customer") => {
                Some(format!("after `per` comes whom the limit counts: {subjects}"))
            }
            _ => None,
        }
    }

    /// The help for an unexpected token at `position` (the token index).
    fn help(
        &self,
        position: usize,
        found: Option<Token<'_>>,
        expected: &[String],
    ) -> Option<String> {
        if let Some(help) = self.limit_help(position, expected) {
            return Some(help);
        }
        let expects = |s: &str| expects(expected, s);
        if let Some(k) = found.and_then(|t| t.keyword()) {
            if expects("name") {
                return Some(format!(
                    "`{k}` is a reserved word and cannot be a name; choose another, such as `{k}_`"
                ));
            }
        }
        if found.is_none() && expects("}") {
            return Some(format!("close {} with `}}`", self.item_phrase()));
        }
        if CLAUSE_KEYWORDS.iter().all(|k| expects(k)) {
            return Some(format!(
                "a rule clause starts with {}",
                clause_keyword_list("or")
            ));
        }
        if ITEM_KEYWORDS.iter().filter(|k| expects(k)).count() > 3 {
            return Some("a policy is made of items: `policy`, `currency`, `enum`, `customer`, `context`, `role`, `action`, `obligation`, `segment`, `situation`, `rule` and `test`".into());
        }
        if let [only] = expected {
            return Some(format!("insert {}", describe_terminal(only)));
        }
        None
    }

    /// "the `rule` `name`" for the item being parsed.
    fn item_phrase(&self) -> String {
        let mut iter = self
            .tokens
            .iter()
            .skip_while(|t| !matches!(t.1.keyword(), Some(k) if ITEM_KEYWORDS.contains(&k)));
        match (iter.next(), iter.next()) {
            (Some((_, k, _)), Some((_, Token::Ident(name), _))) => format!("{k} `{name}`"),
            (Some((_, Token::Test, _)), Some((_, Token::Str(name), _))) => format!("test {name}"),
            (Some((_, k, _)), _) => format!("the {k} item"),
            _ => "the item".to_string(),
        }
    }

    /// Words that place the error: "after the roles of a `permit`".
    fn context_phrase(&self, position: usize, expected: &[String]) -> String {
        let before = &self.tokens[..position.min(self.tokens.len())];
        let last_keyword = before.iter().rev().find_map(|t| {
            t.1.keyword().filter(|k| {
                [
                    "permit",
                    "forbid",
                    "escalate",
                    "from",
                    "limit",
                    "per",
                    "otherwise",
                    "role",
                    "action",
                    "expect",
                    "history",
                ]
                .contains(k)
            })
        });
        let expects = |s: &str| expects(expected, s);
        match last_keyword {
            Some(k @ ("permit" | "forbid")) if expects("to") => {
                format!(" after the roles of a `{k}`")
            }
            Some("escalate") if expects("from") => {
                " after the actions of an `escalate`".to_string()
            }
            Some("from") if expects("to") => " after the roles of an `escalate`".to_string(),
            _ if before.is_empty() => String::new(),
            _ => format!(" in {}", self.item_phrase()),
        }
    }
}

/// "`to`", "`to` or `,`", "a clause (`for`, `when`, …) or `}`".
fn describe_expected(expected: &[String]) -> String {
    let names: Vec<String> = expected.iter().map(|e| describe_terminal(e)).collect();
    let has = |s: &str| expects(expected, s);
    if CLAUSE_KEYWORDS.iter().all(|k| has(k)) {
        let list: Vec<String> = CLAUSE_KEYWORDS.iter().map(|k| format!("`{k}`")).collect();
        let clause = format!("a clause ({})", list.join(", "));
        return if has("}") {
            format!("{clause} or `}}`")
        } else {
            clause
        };
    }
    if ITEM_KEYWORDS.iter().filter(|k| has(k)).count() > 3 {
        return "an item (`rule`, `role`, `action`, `enum`, `test`, …)".into();
    }
    if has("number") && has("decimal") && expected.len() == 2 {
        return "a number".into();
    }
    if has("number") && has("decimal") && expected.len() == 2 {
        return "a number".into();
    }
    if has("permit") && has("forbid") && has("escalate") {
        return "`permit`, `forbid` or `escalate`".into();
    }
    match names.as_slice() {
        [] => "something else".into(),
        [one] => one.clone(),
        [init @ .., last] if names.len() <= 6 => format!("{} or {last}", init.join(", ")),
        _ => format!("one of {}, …", names[..5].join(", ")),
    }
}

/// Whether the parser's expected terminals include `terminal` (a keyword
/// or punctuation, as written in the source).
fn expects(expected: &[String], terminal: &str) -> bool {
    expected.iter().any(|e| e.trim_matches('"') == terminal)
}

fn describe_terminal(terminal: &str) -> String {
    match terminal.trim_matches('"') {
        "name" => "a name".into(),
        "number" => "a number".into(),
        "decimal" => "a decimal number".into(),
        "string" => "a string".into(),
        other => format!("`{}`", other.replace("\\\"", "\"")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(src: &str) -> Vec<String> {
        parse(FileId(0), src)
            .1
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn parses_the_header_and_declarations() {
        let (file, diags) = parse(
            FileId(0),
            "policy p version \"1\"\ncurrency USD\nenum T { a, b c }\nrole x extends y, z\naction refund(amount: Money)\nobligation o \"desc\"\ncustomer { tier: T\n products: Set<T> }\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        let kinds: Vec<&str> = file.items.iter().map(|i| i.kind.keyword()).collect();
        assert_eq!(
            kinds,
            vec![
                "policy",
                "currency",
                "enum",
                "role",
                "action",
                "obligation",
                "customer"
            ]
        );
    }

    #[test]
    fn names_the_missing_to_after_permit_roles() {
        let msgs = messages("rule r {\n  permit front_desk refund\n}\n");
        assert_eq!(
            msgs,
            vec!["expected `to` or `,` after the roles of a `permit`, found `refund`"]
        );
    }

    #[test]
    fn a_broken_item_does_not_hide_the_next() {
        let msgs = messages("rule a { permit x to }\nrule b { permit y to z for }\nrole ok\n");
        assert_eq!(msgs.len(), 2, "{msgs:?}");
    }

    #[test]
    fn recovers_at_the_next_clause() {
        let (file, diags) = parse(
            FileId(0),
            "rule r {\n permit a to b\n limit amount 5\n for any customer\n when x\n}\n",
        );
        assert_eq!(diags.len(), 1, "{diags:?}");
        let ItemKind::Rule(rule) = &file.items[0].kind else {
            panic!("not a rule")
        };
        assert!(rule
            .clauses
            .iter()
            .any(|c| c.kind == ast::ClauseKind::ForAnyCustomer));
    }

    #[test]
    fn missing_brace_reports_the_next_item() {
        let msgs = messages("enum T { a, b\nrule r { permit a to b }\n");
        assert_eq!(msgs.len(), 1);
        assert!(
            msgs[0].contains("found `rule`, which starts the next item"),
            "{msgs:?}"
        );
    }

    #[test]
    fn doc_comments_attach_to_the_next_item_only() {
        let (file, _) = parse(
            FileId(0),
            "/// one\n/// two\nrole a\n/// orphan\n\n// plain\nrole b\n",
        );
        assert_eq!(file.items[0].doc.as_deref(), Some("one\ntwo"));
        assert_eq!(file.items[1].doc, None);
    }

    #[test]
    fn doc_comments_attach_to_schema_fields_and_parameters() {
        let (file, diags) = parse(
            FileId(0),
            "/// Guests.\ncustomer {\n  /// loyalty tier\n  /// (from the CRM)\n  tier: Tier\n  \
             nights: Int\n  /// orphan\n\n  // plain\n  vip: Bool\n}\n\
             action refund(\n  /// the refund\n  amount: Money)\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(file.items[0].doc.as_deref(), Some("Guests."));
        let ItemKind::Customer(schema) = &file.items[0].kind else {
            panic!("not a schema: {:?}", file.items[0].kind);
        };
        let docs: Vec<Option<&str>> = schema.fields.iter().map(|f| f.doc.as_deref()).collect();
        assert_eq!(docs, [Some("loyalty tier\n(from the CRM)"), None, None]);
        let ItemKind::Action(action) = &file.items[1].kind else {
            panic!("not an action: {:?}", file.items[1].kind);
        };
        assert_eq!(action.params[0].doc.as_deref(), Some("the refund"));
        assert_eq!(file.items[1].doc, None);
    }

    #[test]
    fn annotations_stay_with_their_rule() {
        let (file, diags) = parse(
            FileId(0),
            "@allow(any_role) @allow(x)\nrule r { permit any to b for any customer }\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(file.items.len(), 1);
        assert_eq!(file.items[0].annotations.len(), 2);
    }

    #[test]
    fn deep_nesting_is_a_diagnostic() {
        let src = format!(
            "segment s = {}true{}",
            "(".repeat(10_000),
            ")".repeat(10_000)
        );
        let (_, diags) = parse(FileId(0), &src);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, Code::NESTING_TOO_DEEP);
    }

    #[test]
    fn long_chains_are_flat() {
        let src = format!("situation s = {}", vec!["x"; 20_000].join(" and "));
        let (file, diags) = parse(FileId(0), &src);
        assert!(diags.is_empty());
        let ItemKind::Situation(def) = &file.items[0].kind else {
            panic!("not a situation")
        };
        let ast::ExprKind::And(v) = &def.expr.kind else {
            panic!("not an and")
        };
        assert_eq!(v.len(), 20_000);
    }

    #[test]
    fn keyword_as_name_gets_help() {
        let (_, diags) = parse(FileId(0), "role version\n");
        assert_eq!(diags.len(), 1);
        assert!(
            diags[0]
                .help
                .as_deref()
                .is_some_and(|h| h.contains("reserved word")),
            "{diags:?}"
        );
    }
}
