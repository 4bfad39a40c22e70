//! The layout tree: what the printer prints, with the comments that belong
//! to each piece.
//!
//! [`crate::lower`] builds it from the syntax tree, [`crate::comments`]
//! hangs every comment of the file on one of its nodes, and
//! [`crate::print`] turns it into lines. A node is a *line-level construct*
//! (an item, a clause, a test line, a schema field, an enum variant, an
//! annotation) or a piece of an expression that can start a line (an
//! operand of an `and`/`or` chain).

use remit_syntax::ast::Comment;

/// A byte range of the source, `start..end`.
pub(crate) type Range = (usize, usize);

/// A comment printed on its own line before a node.
#[derive(Debug, Clone)]
pub(crate) struct Lead {
    /// The comment.
    pub comment: Comment,
    /// Whether the source had a blank line right before it (kept only at
    /// the top level and in schemas).
    pub blank_before: bool,
    /// Whether it was moved here from inside the node or from a child,
    /// rather than written before the node.
    pub inner: bool,
}

/// One node of the layout tree.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// The source range the node covers, for placing comments.
    pub span: Range,
    /// What it prints.
    pub kind: Kind,
    /// Comments on their own lines before it.
    pub leading: Vec<Lead>,
    /// Comments at the end of its last line. After
    /// [`crate::comments::attach`] there is at most one.
    pub trailing: Vec<Comment>,
    /// Whether the source had a blank line right before it.
    pub blank_before: bool,
}

/// The kinds of node.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// Text that is never broken; comments inside it move before it.
    Text(String),
    /// An `and`/`or` chain, broken before each operator when needed.
    Chain {
        /// `and` or `or`.
        op: &'static str,
        /// At least two operands.
        operands: Vec<Node>,
    },
    /// `( … )` as the author wrote it.
    Paren(Box<Node>),
    /// `not …`
    Not(Box<Node>),
    /// Fixed text followed by an expression on the same line
    /// (`when …`, `segment s = …`).
    Prefixed {
        /// The text before the expression, its final space included.
        prefix: String,
        /// The expression.
        expr: Box<Node>,
    },
    /// A construct with braces, or the file itself.
    Block(Block),
    /// An item: its annotations, one per line, then the item itself.
    Item(Vec<Node>),
}

/// A braced construct (or the whole file, which has no header).
#[derive(Debug, Clone)]
pub(crate) struct Block {
    /// The opening line up to and including `{` (a [`Kind::Text`]);
    /// `None` for the file.
    pub header: Option<Box<Node>>,
    /// The children in print order (clauses and test lines are sorted).
    pub children: Vec<Node>,
    /// Comments after the last child, printed before `}`.
    pub dangling: Vec<Lead>,
    /// How it is laid out.
    pub shape: Shape,
    /// Whether the author's blank lines between children are kept (at
    /// most one).
    pub keep_blanks: bool,
}

/// How a block is laid out.
#[derive(Debug, Clone)]
pub(crate) enum Shape {
    /// One child per line, no separators (rules, tests, schemas, the file).
    Open,
    /// `header a, b }` on one line when no comment is inside (and, with
    /// `fit_width`, when that line fits in [`crate::MAX_WIDTH`]); otherwise
    /// one child per line, each followed by a comma.
    Inline {
        /// Whether a line wider than the maximum breaks the block.
        fit_width: bool,
        /// What to print for an empty block on one line (instead of
        /// `header}`), e.g. `action waive_fee` for `action waive_fee {}`.
        empty: Option<String>,
    },
}

impl Node {
    /// A node without comments.
    pub fn new(span: Range, kind: Kind) -> Node {
        Node {
            span,
            kind,
            leading: Vec::new(),
            trailing: Vec::new(),
            blank_before: false,
        }
    }

    /// A text node.
    pub fn text(span: Range, text: impl Into<String>) -> Node {
        Node::new(span, Kind::Text(text.into()))
    }

    /// Whether any comment is attached to the node itself.
    pub fn has_own_comments(&self) -> bool {
        !self.leading.is_empty() || !self.trailing.is_empty()
    }

    /// The children in print order, the header of a block first.
    pub fn children(&self) -> Vec<&Node> {
        match &self.kind {
            Kind::Text(_) => Vec::new(),
            Kind::Chain { operands, .. } => operands.iter().collect(),
            Kind::Paren(inner) | Kind::Not(inner) | Kind::Prefixed { expr: inner, .. } => {
                vec![inner]
            }
            Kind::Block(block) => block
                .header
                .iter()
                .map(|h| &**h)
                .chain(block.children.iter())
                .collect(),
            Kind::Item(lines) => lines.iter().collect(),
        }
    }

    /// The children in print order, mutably; same order as [`Node::children`].
    pub fn children_mut(&mut self) -> Vec<&mut Node> {
        match &mut self.kind {
            Kind::Text(_) => Vec::new(),
            Kind::Chain { operands, .. } => operands.iter_mut().collect(),
            Kind::Paren(inner) | Kind::Not(inner) | Kind::Prefixed { expr: inner, .. } => {
                vec![&mut **inner]
            }
            Kind::Block(block) => block
                .header
                .iter_mut()
                .map(|h| &mut **h)
                .chain(block.children.iter_mut())
                .collect(),
            Kind::Item(lines) => lines.iter_mut().collect(),
        }
    }

    /// Whether a comment sits anywhere strictly inside the node (on a
    /// descendant, or dangling before a block's `}`, or after its `{`).
    /// Such a comment forces the node onto several lines.
    pub fn has_inner_comments(&self) -> bool {
        let in_children = self
            .children()
            .iter()
            .any(|c| c.has_own_comments() || c.has_inner_comments());
        match &self.kind {
            Kind::Block(block) => in_children || !block.dangling.is_empty(),
            _ => in_children,
        }
    }

    /// The node on one line, ignoring comments.
    pub fn flat(&self) -> String {
        match &self.kind {
            Kind::Text(s) => s.clone(),
            Kind::Chain { op, operands } => {
                let parts: Vec<String> = operands.iter().map(Node::flat).collect();
                parts.join(&format!(" {op} "))
            }
            Kind::Paren(inner) => format!("({})", inner.flat()),
            Kind::Not(inner) => format!("not {}", inner.flat()),
            Kind::Prefixed { prefix, expr } => format!("{prefix}{}", expr.flat()),
            Kind::Block(block) => block.inline_text(),
            Kind::Item(lines) => {
                let parts: Vec<String> = lines.iter().map(Node::flat).collect();
                parts.join(" ")
            }
        }
    }
}

impl Block {
    /// The block on one line: `header a, b }`, `header}` or the `empty` text.
    pub fn inline_text(&self) -> String {
        let header = self.header.as_ref().map(|h| h.flat()).unwrap_or_default();
        if self.children.is_empty() {
            if let Shape::Inline {
                empty: Some(empty), ..
            } = &self.shape
            {
                return empty.clone();
            }
            return format!("{header}}}");
        }
        let parts: Vec<String> = self.children.iter().map(Node::flat).collect();
        format!("{header} {} }}", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(op: &'static str, texts: &[&str]) -> Node {
        let operands = texts
            .iter()
            .enumerate()
            .map(|(i, t)| Node::text((i * 10, i * 10 + 1), *t))
            .collect();
        Node::new((0, 100), Kind::Chain { op, operands })
    }

    #[test]
    fn flat_prints_chains_parens_and_not() {
        let inner = chain("or", &["a", "b"]);
        let node = Node::new(
            (0, 100),
            Kind::Chain {
                op: "and",
                operands: vec![
                    Node::new((0, 5), Kind::Not(Box::new(Node::text((4, 5), "x")))),
                    Node::new((6, 20), Kind::Paren(Box::new(inner))),
                ],
            },
        );
        assert_eq!(node.flat(), "not x and (a or b)");
    }

    #[test]
    fn inline_blocks_print_on_one_line() {
        let mut block = Block {
            header: Some(Box::new(Node::text((0, 8), "enum T {"))),
            children: vec![Node::text((9, 10), "a"), Node::text((12, 13), "b")],
            dangling: Vec::new(),
            shape: Shape::Inline {
                fit_width: true,
                empty: None,
            },
            keep_blanks: false,
        };
        assert_eq!(block.inline_text(), "enum T { a, b }");
        block.children.clear();
        assert_eq!(block.inline_text(), "enum T {}");
        block.shape = Shape::Inline {
            fit_width: false,
            empty: Some("action x".into()),
        };
        assert_eq!(block.inline_text(), "action x");
    }

    #[test]
    fn comments_on_descendants_are_inner() {
        let mut node = chain("and", &["a", "b"]);
        assert!(!node.has_inner_comments());
        if let Kind::Chain { operands, .. } = &mut node.kind {
            operands[0].trailing.push(Comment {
                kind: remit_syntax::ast::CommentKind::Line,
                text: "// c".into(),
                span: remit_diagnostics::Span::default(),
            });
        }
        assert!(node.has_inner_comments());
    }
}
