//! Prints the layout tree: indentation, line breaks, blank lines and
//! comments.

use crate::tree::{Block, Kind, Lead, Node, Shape};
use crate::MAX_WIDTH;
use remit_syntax::ast::Comment;

/// Indentation of one level.
const INDENT: usize = 2;

/// Prints a whole file (the root block from [`crate::lower::lower`]).
pub(crate) fn print(root: &Node) -> String {
    let mut printer = Printer { lines: Vec::new() };
    printer.node(root, 0);
    let mut out = String::new();
    for line in &printer.lines {
        let mut text = String::new();
        if !line.text.is_empty() {
            text.push_str(&" ".repeat(line.indent));
            text.push_str(&line.text);
        }
        if let Some(comment) = &line.trailing {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(comment);
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

/// One output line.
struct Line {
    indent: usize,
    text: String,
    trailing: Option<String>,
}

struct Printer {
    lines: Vec<Line>,
}

/// Width in characters.
fn width(s: &str) -> usize {
    s.chars().count()
}

impl Printer {
    fn push(&mut self, indent: usize, text: impl Into<String>) {
        self.lines.push(Line {
            indent,
            text: text.into(),
            trailing: None,
        });
    }

    fn blank(&mut self) {
        if self.lines.last().is_some_and(|l| !l.text.is_empty()) {
            self.push(0, "");
        }
    }

    fn comment(&mut self, indent: usize, comment: &Comment) {
        self.push(indent, comment.text.clone());
    }

    /// Own-line comments; `first` is whether nothing was printed yet in the
    /// enclosing block (no blank line goes there).
    fn leads(&mut self, leads: &[Lead], indent: usize, keep_blanks: bool, first: &mut bool) {
        for lead in leads {
            if keep_blanks && lead.blank_before && !*first {
                self.blank();
            }
            self.comment(indent, &lead.comment);
            *first = false;
        }
    }

    /// Puts a comment at the end of the last line. A line has room for one
    /// comment; should a second one come, it goes on its own line rather
    /// than be lost.
    fn trail(&mut self, comment: Option<&Comment>) {
        let Some(comment) = comment else { return };
        match self.lines.last_mut() {
            Some(line) if line.trailing.is_none() => line.trailing = Some(comment.text.clone()),
            Some(line) => {
                let indent = line.indent;
                self.comment(indent, comment);
            }
            None => self.comment(0, comment),
        }
    }

    fn append(&mut self, text: &str) {
        match self.lines.last_mut() {
            Some(line) => line.text.push_str(text),
            None => self.push(0, text),
        }
    }

    fn column(&self) -> usize {
        self.lines.last().map_or(0, |l| l.indent + width(&l.text))
    }

    /// A child of a block: its leading comments, itself, the separator and
    /// its trailing comment.
    fn entry(
        &mut self,
        node: &Node,
        indent: usize,
        sep: &str,
        keep_blanks: bool,
        first: &mut bool,
    ) {
        self.leads(&node.leading, indent, keep_blanks, first);
        if keep_blanks && node.blank_before && !*first {
            self.blank();
        }
        self.node(node, indent);
        *first = false;
        self.append(sep);
        self.trail(node.trailing.first());
    }

    /// A node starting on a new line, without its own comments.
    fn node(&mut self, node: &Node, indent: usize) {
        match &node.kind {
            Kind::Text(text) => self.push(indent, text.clone()),
            Kind::Chain { .. } | Kind::Paren(_) | Kind::Not(_) | Kind::Prefixed { .. } => {
                self.push(indent, "");
                self.lay(node, indent + INDENT, 0);
            }
            Kind::Block(block) => self.block(node, block, indent),
            Kind::Item(lines) => {
                let count = lines.len();
                for (i, line) in lines.iter().enumerate() {
                    let mut first = false;
                    self.leads(&line.leading, indent, false, &mut first);
                    self.node(line, indent);
                    if i + 1 < count {
                        self.trail(line.trailing.first());
                    }
                }
            }
        }
    }

    fn block(&mut self, node: &Node, block: &Block, indent: usize) {
        let Some(header) = &block.header else {
            self.body(block, indent);
            return;
        };
        let inline = match &block.shape {
            Shape::Open => false,
            Shape::Inline { fit_width, .. } => {
                !node.has_inner_comments()
                    && (!fit_width || indent + width(&block.inline_text()) <= MAX_WIDTH)
            }
        };
        let empty = block.children.is_empty() && !node.has_inner_comments();
        if inline || empty {
            self.push(indent, block.inline_text());
            return;
        }
        self.push(indent, header.flat());
        self.trail(header.trailing.first());
        self.body(block, indent + INDENT);
        self.push(indent, "}");
    }

    /// The children and dangling comments of a block, one per line.
    fn body(&mut self, block: &Block, indent: usize) {
        let sep = match block.shape {
            Shape::Open => "",
            Shape::Inline { .. } => ",",
        };
        let mut first = true;
        for child in &block.children {
            self.entry(child, indent, sep, block.keep_blanks, &mut first);
        }
        self.leads(&block.dangling, indent, block.keep_blanks, &mut first);
    }

    /// Appends an expression to the current line, breaking `and`/`or`
    /// chains that hold a comment or do not fit. Continuation lines of a
    /// chain start at `cont`; `suffix` is the width of the `)`s that will
    /// follow the expression on its last line.
    fn lay(&mut self, node: &Node, cont: usize, suffix: usize) {
        match &node.kind {
            Kind::Text(text) => self.append(text),
            Kind::Prefixed { prefix, expr } => {
                self.append(prefix);
                self.lay(expr, cont, suffix);
            }
            Kind::Not(inner) => {
                self.append("not ");
                self.lay(inner, cont, suffix);
            }
            Kind::Paren(inner) => {
                self.append("(");
                self.lay(inner, cont, suffix + 1);
                self.append(")");
            }
            Kind::Chain { op, operands } => {
                let flat = node.flat();
                if !node.has_inner_comments() && self.column() + width(&flat) + suffix <= MAX_WIDTH
                {
                    self.append(&flat);
                    return;
                }
                let count = operands.len();
                for (i, operand) in operands.iter().enumerate() {
                    let last = i + 1 == count;
                    if i > 0 {
                        let mut first = false;
                        self.leads(&operand.leading, cont, false, &mut first);
                        self.push(cont, format!("{op} "));
                    }
                    self.lay(operand, cont + INDENT, if last { suffix } else { 0 });
                    if !last {
                        self.trail(operand.trailing.first());
                    }
                }
            }
            Kind::Block(_) | Kind::Item(_) => self.append(&node.flat()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::Range;

    fn text(span: Range, s: &str) -> Node {
        Node::text(span, s)
    }

    fn chain(op: &'static str, operands: Vec<Node>) -> Node {
        Node::new((0, 0), Kind::Chain { op, operands })
    }

    fn clause(expr: Node) -> Node {
        Node::new(
            (0, 0),
            Kind::Prefixed {
                prefix: "when ".into(),
                expr: Box::new(expr),
            },
        )
    }

    fn printed(node: &Node, indent: usize) -> String {
        let mut printer = Printer { lines: Vec::new() };
        printer.node(node, indent);
        printer
            .lines
            .iter()
            .map(|l| format!("{}{}", " ".repeat(l.indent), l.text))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn short_chains_stay_on_one_line() {
        let node = clause(chain("and", vec![text((0, 1), "a"), text((2, 3), "b")]));
        assert_eq!(printed(&node, 2), "  when a and b");
    }

    #[test]
    fn long_chains_break_before_the_operator() {
        let long = "x".repeat(60);
        let node = clause(chain(
            "or",
            vec![
                text((0, 1), &long),
                chain("and", vec![text((2, 3), &long), text((4, 5), "b")]),
            ],
        ));
        assert_eq!(
            printed(&node, 2),
            format!("  when {long}\n    or {long} and b")
        );
    }

    #[test]
    fn nested_chains_indent_deeper() {
        let long = "y".repeat(50);
        let inner = chain("or", vec![text((0, 1), &long), text((2, 3), &long)]);
        let node = clause(chain(
            "and",
            vec![
                text((0, 1), "a"),
                Node::new((0, 0), Kind::Paren(Box::new(inner))),
            ],
        ));
        assert_eq!(
            printed(&node, 2),
            format!("  when a\n    and ({long}\n      or {long})")
        );
    }

    #[test]
    fn closing_parentheses_count_towards_the_width() {
        // 2 + "when (" + 92 = 100, and the `)` makes 101.
        let a = "a".repeat(44);
        let b = "b".repeat(44);
        let inner = chain("or", vec![text((0, 1), &a), text((2, 3), &b)]);
        let node = clause(Node::new((0, 0), Kind::Paren(Box::new(inner))));
        assert_eq!(printed(&node, 2), format!("  when ({a}\n    or {b})"));
    }

    #[test]
    fn wide_enums_open_up() {
        let variants: Vec<Node> = (0..30)
            .map(|i| text((i, i + 1), &format!("variant{i}")))
            .collect();
        let node = Node::new(
            (0, 0),
            Kind::Block(Block {
                header: Some(Box::new(text((0, 0), "enum E {"))),
                children: variants,
                dangling: Vec::new(),
                shape: Shape::Inline {
                    fit_width: true,
                    empty: None,
                },
                keep_blanks: false,
            }),
        );
        let out = printed(&node, 0);
        assert!(
            out.starts_with("enum E {\n  variant0,\n  variant1,\n"),
            "{out}"
        );
        assert!(out.ends_with("  variant29,\n}"), "{out}");
    }
}
