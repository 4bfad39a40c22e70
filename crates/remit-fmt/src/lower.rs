//! Builds the layout tree from the syntax tree: canonical text for every
//! line-level construct, the canonical order of clauses and test lines, and
//! the source ranges that comments are placed by.

use crate::render;
use crate::tree::{Block, Kind, Node, Range, Shape};
use remit_diagnostics::Span;
use remit_syntax::ast::{
    self, ClauseKind, Expr, ExprKind, Item, ItemKind, TestEntry, TestEntryKind,
};
use remit_syntax::{SpannedToken, Token};

/// Builds the tree of a whole file; `None` if the syntax tree holds a node
/// that did not parse.
pub(crate) fn lower(file: &ast::File, text: &str, tokens: &[SpannedToken<'_>]) -> Option<Node> {
    let lowerer = Lowerer { text, tokens };
    let mut items = Vec::with_capacity(file.items.len());
    for item in &file.items {
        items.push(lowerer.item(item)?);
    }
    Some(Node::new(
        (0, text.len()),
        Kind::Block(Block {
            header: None,
            children: items,
            dangling: Vec::new(),
            shape: Shape::Open,
            keep_blanks: true,
        }),
    ))
}

/// Whether the source has an empty line between `pos` and the text before it.
pub(crate) fn blank_line_before(text: &str, pos: usize) -> bool {
    let before = text.get(..pos).unwrap_or(text);
    before
        .chars()
        .rev()
        .take_while(|c| c.is_whitespace())
        .filter(|&c| c == '\n')
        .count()
        >= 2
}

fn range(span: Span) -> Range {
    (span.start as usize, span.end as usize)
}

struct Lowerer<'a, 's> {
    text: &'a str,
    tokens: &'a [SpannedToken<'s>],
}

impl Lowerer<'_, '_> {
    /// The first token that starts at or after `pos`.
    fn token_at_or_after(&self, pos: usize) -> Option<&SpannedToken<'_>> {
        let i = self.tokens.partition_point(|t| t.0 < pos);
        self.tokens.get(i)
    }

    /// The end of the first `{` at or after `pos`, if it comes before `limit`.
    fn lbrace_end(&self, pos: usize, limit: usize) -> Option<usize> {
        let i = self.tokens.partition_point(|t| t.0 < pos);
        self.tokens
            .get(i..)?
            .iter()
            .take_while(|t| t.0 < limit)
            .find(|t| t.1 == Token::LBrace)
            .map(|t| t.2)
    }

    fn with_blank(&self, mut node: Node) -> Node {
        node.blank_before = blank_line_before(self.text, node.span.0);
        node
    }

    fn item(&self, item: &Item) -> Option<Node> {
        let (start, end) = range(item.span);
        let mut lines = Vec::with_capacity(item.annotations.len() + 1);
        for a in &item.annotations {
            lines.push(Node::text(range(a.span), render::annotation(a)));
        }
        let after_annotations = item
            .annotations
            .last()
            .map_or(start, |a| a.span.end as usize);
        let keyword = self.token_at_or_after(after_annotations)?.0;
        lines.push(self.item_body(&item.kind, (keyword, end))?);
        Some(self.with_blank(Node::new((start, end), Kind::Item(lines))))
    }

    fn item_body(&self, kind: &ItemKind, span: Range) -> Option<Node> {
        Some(match kind {
            ItemKind::Policy(p) => {
                let text = match &p.version {
                    Some(v) => format!("policy {} version {}", p.name.name, render::string(v)),
                    None => format!("policy {}", p.name.name),
                };
                Node::text(span, text)
            }
            ItemKind::Currency(code) => Node::text(span, format!("currency {}", code.name)),
            ItemKind::Enum(e) => {
                let variants = e
                    .variants
                    .iter()
                    .map(|v| Node::text(range(v.span), v.name.clone()))
                    .collect();
                let header = format!("enum {} {{", e.name.name);
                self.block(
                    span,
                    e.name.span.end as usize,
                    header,
                    variants,
                    inline(true),
                )?
            }
            ItemKind::Customer(schema) | ItemKind::Context(schema) => {
                let fields = schema
                    .fields
                    .iter()
                    .map(|f| {
                        let optional = if f.optional.is_some() { "?" } else { "" };
                        let text =
                            format!("{}: {}{optional}", f.name.name, render::type_expr(&f.ty));
                        let end = f.optional.map_or(f.ty.span().end, |q| q.end);
                        self.with_blank(Node::text(
                            (f.name.span.start as usize, end as usize),
                            text,
                        ))
                    })
                    .collect();
                let header = format!("{} {{", kind.keyword());
                let mut node = self.block(span, span.0, header, fields, Shape::Open)?;
                if let Kind::Block(block) = &mut node.kind {
                    block.keep_blanks = true;
                }
                node
            }
            ItemKind::Role(r) => {
                let text = if r.extends.is_empty() {
                    format!("role {}", r.name.name)
                } else {
                    format!(
                        "role {} extends {}",
                        r.name.name,
                        render::idents(&r.extends)
                    )
                };
                Node::text(span, text)
            }
            ItemKind::Action(a) => {
                let text = if a.params.is_empty() {
                    format!("action {}", a.name.name)
                } else {
                    let params: Vec<String> = a
                        .params
                        .iter()
                        .map(|f| format!("{}: {}", f.name.name, render::type_expr(&f.ty)))
                        .collect();
                    format!("action {}({})", a.name.name, params.join(", "))
                };
                Node::text(span, text)
            }
            ItemKind::Timezone(zone) => {
                Node::text(span, format!("timezone {}", render::string(zone)))
            }
            ItemKind::Outcome(o) => {
                let text = match &o.description {
                    Some(d) => format!("outcome {} {}", o.name.name, render::string(d)),
                    None => format!("outcome {}", o.name.name),
                };
                Node::text(span, text)
            }
            ItemKind::Obligation(o) => {
                let text = match &o.description {
                    Some(d) => format!("obligation {} {}", o.name.name, render::string(d)),
                    None => format!("obligation {}", o.name.name),
                };
                Node::text(span, text)
            }
            ItemKind::Segment(d) | ItemKind::Situation(d) => Node::new(
                span,
                Kind::Prefixed {
                    prefix: format!("{} {} = ", kind.keyword(), d.name.name),
                    expr: Box::new(expr(&d.expr)),
                },
            ),
            ItemKind::Rule(rule) => {
                let mut children = vec![(
                    0u8,
                    Node::text(range(rule.effect.span), render::effect(&rule.effect)),
                )];
                for clause in &rule.clauses {
                    children.push((clause.kind.rank().saturating_add(1), clause_node(clause)?));
                }
                children.sort_by_key(|(rank, _)| *rank);
                let children = children.into_iter().map(|(_, n)| n).collect();
                let header = format!("rule {} {{", rule.name.name);
                self.block(
                    span,
                    rule.name.span.end as usize,
                    header,
                    children,
                    Shape::Open,
                )?
            }
            ItemKind::Test(test) => {
                let mut children = Vec::with_capacity(test.entries.len());
                for entry in &test.entries {
                    children.push((entry.kind.rank(), self.test_entry(entry)?));
                }
                children.sort_by_key(|(rank, _)| *rank);
                let children = children.into_iter().map(|(_, n)| n).collect();
                let header = format!("test {} {{", render::string(&test.name));
                self.block(
                    span,
                    test.name.span.end as usize,
                    header,
                    children,
                    Shape::Open,
                )?
            }
            ItemKind::Error => return None,
        })
    }

    /// A block whose `{` is the first one at or after `brace_from`.
    fn block(
        &self,
        span: Range,
        brace_from: usize,
        header: String,
        children: Vec<Node>,
        shape: Shape,
    ) -> Option<Node> {
        let open = self.lbrace_end(brace_from, span.1)?;
        Some(Node::new(
            span,
            Kind::Block(Block {
                header: Some(Box::new(Node::text((span.0, open), header))),
                children,
                dangling: Vec::new(),
                shape,
                keep_blanks: false,
            }),
        ))
    }

    fn test_entry(&self, entry: &TestEntry) -> Option<Node> {
        let span = range(entry.span);
        let values = |list: &[ast::FieldValue]| -> Vec<Node> {
            list.iter()
                .map(|f| {
                    Node::text(
                        (f.name.span.start as usize, f.value.span().end as usize),
                        render::field_value(f),
                    )
                })
                .collect()
        };
        Some(match &entry.kind {
            TestEntryKind::Role(r) => Node::text(span, format!("role {}", r.name)),
            TestEntryKind::Action { name, params } => {
                let plain = format!("action {}", name.name);
                if self.lbrace_end(name.span.end as usize, span.1).is_none() {
                    Node::text(span, plain)
                } else {
                    let header = format!("{plain} {{");
                    let shape = Shape::Inline {
                        fit_width: false,
                        empty: Some(plain),
                    };
                    self.block(span, name.span.end as usize, header, values(params), shape)?
                }
            }
            TestEntryKind::Customer(list) => self.block(
                span,
                span.0,
                "customer {".into(),
                values(list),
                inline(false),
            )?,
            TestEntryKind::Context(list) => self.block(
                span,
                span.0,
                "context {".into(),
                values(list),
                inline(false),
            )?,
            TestEntryKind::History(list) => {
                let entries = list
                    .iter()
                    .map(|h| Node::text(range(h.span), render::history_entry(h)))
                    .collect();
                self.block(span, span.0, "history {".into(), entries, inline(false))?
            }
            TestEntryKind::Expect(e) => Node::text(span, render::expectation(e)),
            TestEntryKind::At { date, time } => {
                Node::text(span, format!("at {} {}", date.raw, time.raw))
            }
            TestEntryKind::Error => return None,
        })
    }
}

fn inline(fit_width: bool) -> Shape {
    Shape::Inline {
        fit_width,
        empty: None,
    }
}

fn clause_node(clause: &ast::Clause) -> Option<Node> {
    let span = range(clause.span);
    let prefixed = |prefix: &str, e: &Expr| {
        Node::new(
            span,
            Kind::Prefixed {
                prefix: prefix.to_string(),
                expr: Box::new(expr(e)),
            },
        )
    };
    Some(match &clause.kind {
        ClauseKind::For(e) => prefixed("for ", e),
        ClauseKind::When(e) => prefixed("when ", e),
        other => Node::text(span, render::simple_clause(other)?),
    })
}

/// An expression: chains, parentheses and `not` keep their structure so
/// that they can break and carry comments; everything else is one text.
fn expr(e: &Expr) -> Node {
    let span = range(e.span);
    let kind = match &e.kind {
        ExprKind::Or(list) => Kind::Chain {
            op: "or",
            operands: list.iter().map(expr).collect(),
        },
        ExprKind::And(list) => Kind::Chain {
            op: "and",
            operands: list.iter().map(expr).collect(),
        },
        ExprKind::Not(inner) => Kind::Not(Box::new(expr(inner))),
        ExprKind::Paren(inner) => Kind::Paren(Box::new(expr(inner))),
        ExprKind::Compare { lhs, op, rhs, .. } => Kind::Text(format!(
            "{} {} {}",
            render::operand(lhs),
            op.as_str(),
            render::operand(rhs)
        )),
        ExprKind::In { lhs, negated, set } => Kind::Text(format!(
            "{} {} {}",
            render::operand(lhs),
            if *negated { "not in" } else { "in" },
            render::set(set)
        )),
        ExprKind::Contains { lhs, value } => Kind::Text(format!(
            "{} contains {}",
            render::operand(lhs),
            render::operand(value)
        )),
        ExprKind::Ref(p) => Kind::Text(render::path(p)),
        ExprKind::Has(p) => Kind::Text(format!("has {}", render::path(p))),
        ExprKind::Bool(b) => Kind::Text(b.to_string()),
    };
    Node::new(span, kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use remit_diagnostics::FileId;

    fn lowered(src: &str) -> Node {
        let (file, diags) = remit_syntax::parse(FileId(0), src);
        assert!(diags.is_empty(), "{diags:?}");
        let lexed = remit_syntax::lex(FileId(0), src);
        lower(&file, src, &lexed.tokens).expect("lowers")
    }

    fn child_texts(node: &Node) -> Vec<String> {
        node.children().iter().map(|c| c.flat()).collect()
    }

    #[test]
    fn blank_lines_are_seen_through_spaces() {
        assert!(blank_line_before("a\n  \n  b", 7));
        assert!(!blank_line_before("a\n  b", 4));
        assert!(!blank_line_before("b", 0));
    }

    #[test]
    fn clauses_are_sorted_keeping_the_order_within_a_kind() {
        let root = lowered(
            "rule r { permit a to b otherwise escalate to m limit total 5 USD per customer per 1 day \
             limit amount <= 9 USD limit 1 per customer per 2 days require o when x \
             limit count < 3 for any customer notify n }",
        );
        let item = &root.children()[0];
        let rule = &item.children()[0];
        assert_eq!(
            child_texts(rule),
            vec![
                "rule r {",
                "permit a to b",
                "for any customer",
                "when x",
                "limit amount <= 9 USD",
                "limit count < 3",
                "limit 1 per customer per 2 days",
                "limit total 5 USD per customer per 1 day",
                "require o",
                "notify n",
                "otherwise escalate to m",
            ]
        );
    }

    #[test]
    fn test_lines_are_sorted() {
        let root = lowered(
            "test \"t\" { expect deny history { a 1 day ago } context {} customer { x: 1 } action a role r }",
        );
        let test = &root.children()[0].children()[0];
        assert_eq!(
            child_texts(test),
            vec![
                "test \"t\" {",
                "role r",
                "action a",
                "customer { x: 1 }",
                "context {}",
                "history { a 1 day ago }",
                "expect deny",
            ]
        );
    }

    #[test]
    fn empty_action_braces_print_as_a_bare_action() {
        let root = lowered("test \"t\" { action a {} }");
        let test = &root.children()[0].children()[0];
        assert_eq!(child_texts(test), vec!["test \"t\" {", "action a"]);
    }

    #[test]
    fn items_know_their_keyword_and_blank_lines() {
        let root = lowered("role a\n\n\n@allow(x)\n@allow(y) rule r { permit a to b }");
        let items = root.children();
        assert!(!items[0].blank_before);
        assert!(items[1].blank_before);
        let lines = items[1].children();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[2].span.0, "role a\n\n\n@allow(x)\n@allow(y) ".len());
    }
}
