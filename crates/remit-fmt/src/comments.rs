//! Hangs every comment of the file on a node of the layout tree, by its
//! byte position, so that the printer can put it back in its place.
//!
//! Placement ([`place`]) walks down from the file to the innermost node
//! whose range contains the comment, and among that node's children
//! (taken in *source* order, since clauses and test lines are re-sorted):
//!
//! - a comment on the same line as the end of a child, after it, is that
//!   child's **trailing** comment;
//! - otherwise it **leads** the next child (printed on its own line before
//!   it);
//! - after the last child it **dangles** before the block's `}` (or, in an
//!   expression, trails the last child);
//! - inside a node that has no children (a text that is never broken, such
//!   as `limit amount <= 100 USD`), it leads that node.
//!
//! Normalisation ([`normalise`]) then lifts comments to where they can be
//! printed: a comment leading the first operand of a chain, the inside of a
//! parenthesis, the expression of a clause or the first line of an item
//! leads the enclosing node, since those start on the same line; a comment
//! trailing the last operand trails the enclosing node. When a node ends
//! up with several trailing comments, all but the last lead it instead.
//! Comments moved before an item go above its doc comments, so that those
//! still document it.
//!
//! Doc comments: a `///` at the end of an item's line documents the next
//! item (the parser attaches a run of `///` to the item that follows it
//! with only whitespace between), so it is printed on its own line before
//! that item instead, where it visibly documents it.
//!
//! The printer prints leading comments before their node and a trailing
//! comment after the node's last line, so formatting the output places
//! every comment on the same node again: the layout is a fixed point.

use crate::tree::{Kind, Lead, Node};
use remit_syntax::ast::{Comment, CommentKind};

/// Places every comment and normalises the tree.
pub(crate) fn attach(root: &mut Node, comments: &[Comment], text: &str) {
    let all: Vec<&Comment> = comments.iter().collect();
    place(root, &all, text);
    normalise(root, false);
}

fn start(c: &Comment) -> usize {
    c.span.start as usize
}

/// Whether no line break lies between `from` and `to`.
fn same_line(text: &str, from: usize, to: usize) -> bool {
    text.get(from..to).is_some_and(|s| !s.contains('\n'))
}

/// Where a comment goes among the children of one node.
enum Target {
    /// Inside the child: placed again among the child's children.
    Inside(usize),
    /// At the end of the child's last line.
    Trailing(usize),
    /// On its own line before the child.
    Leading(usize),
    /// On its own line before the block's `}` (or at the end of the file).
    Dangling,
    /// Inside a node without children: before the node.
    Interior,
}

/// Places comments (in source order) that lie inside `node`.
fn place(node: &mut Node, comments: &[&Comment], text: &str) {
    // Children in source order (clauses and test lines are printed in
    // another), with their index in print order. They never overlap.
    let mut order: Vec<(usize, (usize, usize))> = node
        .children()
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c.span))
        .collect();
    order.sort_by_key(|(_, span)| span.0);
    let is_file = matches!(&node.kind, Kind::Block(b) if b.header.is_none());
    let is_block = matches!(&node.kind, Kind::Block(_));
    let mut inside: Vec<Vec<&Comment>> = vec![Vec::new(); order.len()];
    let mut placed: Vec<(Target, &Comment)> = Vec::new();
    for &comment in comments {
        let at = start(comment);
        // The children that start before the comment; the last of them
        // contains it or is the one before it.
        let before = order.partition_point(|(_, s)| s.0 < at);
        let prev = before.checked_sub(1).and_then(|i| order.get(i)).copied();
        let next = order.get(before).copied();
        // A `///` after an item, on its line, documents the next item: it
        // is printed on its own line before that item, where it visibly does.
        let documents_next = comment.kind == CommentKind::Doc && is_file && next.is_some();
        let target = match (prev, next) {
            (Some((i, s)), _) if at < s.1 => Target::Inside(i),
            (Some((i, s)), _) if same_line(text, s.1, at) && !documents_next => Target::Trailing(i),
            (_, Some((i, _))) => Target::Leading(i),
            (Some(_), None) if is_block => Target::Dangling,
            (Some((i, _)), None) => Target::Trailing(i),
            (None, None) if is_block => Target::Dangling,
            (None, None) => Target::Interior,
        };
        match target {
            Target::Inside(i) => {
                if let Some(group) = inside.get_mut(i) {
                    group.push(comment);
                }
            }
            other => placed.push((other, comment)),
        }
    }
    let lead = |comment: &Comment| Lead {
        comment: comment.clone(),
        blank_before: crate::lower::blank_line_before(text, start(comment)),
        inner: false,
    };
    for (target, comment) in &placed {
        match (target, &mut node.kind) {
            (Target::Dangling, Kind::Block(block)) => block.dangling.push(lead(comment)),
            (Target::Interior, _) => node.leading.push(Lead {
                inner: true,
                blank_before: false,
                ..lead(comment)
            }),
            _ => {}
        }
    }
    let mut children = node.children_mut();
    for (target, comment) in &placed {
        match target {
            Target::Trailing(i) => {
                if let Some(child) = children.get_mut(*i) {
                    child.trailing.push((*comment).clone());
                }
            }
            Target::Leading(i) => {
                if let Some(child) = children.get_mut(*i) {
                    child.leading.push(lead(comment));
                }
            }
            Target::Inside(_) | Target::Dangling | Target::Interior => {}
        }
    }
    for (child, group) in children.into_iter().zip(&inside) {
        if !group.is_empty() {
            place(child, group, text);
        }
    }
}

/// A `///` comment that ends up at the end of an item's line (lifted
/// from inside the item) is moved to its own line before the next item,
/// as [`place`] does for one written there: formatting the output again
/// must find it in the same place.
fn doc_comments_document_the_next_item(items: &mut [Node]) {
    for i in 1..items.len() {
        let (before, after) = items.split_at_mut(i);
        let (Some(prev), Some(next)) = (before.last_mut(), after.first_mut()) else {
            continue;
        };
        if prev
            .trailing
            .last()
            .is_some_and(|c| c.kind == CommentKind::Doc)
        {
            if let Some(comment) = prev.trailing.pop() {
                next.leading.insert(
                    0,
                    Lead {
                        comment,
                        blank_before: false,
                        inner: false,
                    },
                );
            }
        }
    }
}

/// Lifts comments out of children that start or end on the node's own
/// first or last line, bottom-up; see the module documentation.
fn normalise(node: &mut Node, is_item: bool) {
    let child_is_item = matches!(&node.kind, Kind::Block(b) if b.header.is_none());
    for child in node.children_mut() {
        normalise(child, child_is_item);
    }
    if let Kind::Block(block) = &mut node.kind {
        if child_is_item {
            doc_comments_document_the_next_item(&mut block.children);
        }
    }
    let mut lifted_leading = Vec::new();
    let mut lifted_trailing = Vec::new();
    match &mut node.kind {
        Kind::Text(_) => {}
        Kind::Chain { operands, .. } => {
            if let Some(first) = operands.first_mut() {
                lifted_leading.append(&mut first.leading);
            }
            if let Some(last) = operands.last_mut() {
                lifted_trailing.append(&mut last.trailing);
            }
        }
        Kind::Paren(inner) | Kind::Not(inner) | Kind::Prefixed { expr: inner, .. } => {
            lifted_leading.append(&mut inner.leading);
            lifted_trailing.append(&mut inner.trailing);
        }
        Kind::Block(block) => {
            if let Some(header) = &mut block.header {
                lifted_leading.append(&mut header.leading);
            }
        }
        Kind::Item(lines) => {
            if let Some(first) = lines.first_mut() {
                lifted_leading.append(&mut first.leading);
            }
            if let Some(last) = lines.last_mut() {
                lifted_trailing.append(&mut last.trailing);
            }
        }
    }
    let mut inner: Vec<Lead> = lifted_leading
        .into_iter()
        .map(|lead| Lead {
            inner: true,
            blank_before: false,
            ..lead
        })
        .collect();
    node.trailing.append(&mut lifted_trailing);
    node.trailing.sort_by_key(start);
    let extra = node.trailing.len().saturating_sub(1);
    inner.extend(node.trailing.drain(..extra).map(|comment| Lead {
        comment,
        blank_before: false,
        inner: true,
    }));
    // Comments that were inside the node (it has no children) were pushed
    // as inner leads during placement; gather them with the lifted ones.
    let (mut own, placed_inner): (Vec<Lead>, Vec<Lead>) =
        node.leading.drain(..).partition(|l| !l.inner);
    let mut all_inner = placed_inner;
    all_inner.extend(inner);
    all_inner.sort_by_key(|l| start(&l.comment));
    if all_inner.is_empty() {
        node.leading = own;
        return;
    }
    // An item's doc comments must stay right before it, so that they
    // still document it: moved comments go before them.
    let at = if is_item {
        own.len()
            - own
                .iter()
                .rev()
                .take_while(|l| l.comment.kind == CommentKind::Doc)
                .count()
    } else {
        own.len()
    };
    // The moved comments keep the blank line that separated what follows
    // them from what precedes them, above themselves.
    let blank = match own.get_mut(at) {
        Some(next) => std::mem::take(&mut next.blank_before),
        None => std::mem::take(&mut node.blank_before),
    };
    if let Some(first) = all_inner.first_mut() {
        first.blank_before = blank;
    }
    let tail = own.split_off(at);
    own.extend(all_inner);
    own.extend(tail);
    node.leading = own;
}

#[cfg(test)]
mod tests {
    use super::*;
    use remit_diagnostics::FileId;

    /// The tree of `src` with its comments attached.
    fn attached(src: &str) -> Node {
        let (file, diags) = remit_syntax::parse(FileId(0), src);
        assert!(diags.is_empty(), "{diags:?}");
        let lexed = remit_syntax::lex(FileId(0), src);
        let mut root = crate::lower::lower(&file, src, &lexed.tokens).expect("lowers");
        attach(&mut root, &file.comments, src);
        root
    }

    fn leading(node: &Node) -> Vec<&str> {
        node.leading
            .iter()
            .map(|l| l.comment.text.as_str())
            .collect()
    }

    fn trailing(node: &Node) -> Vec<&str> {
        node.trailing.iter().map(|c| c.text.as_str()).collect()
    }

    #[test]
    fn own_line_comments_lead_and_same_line_comments_trail() {
        let root = attached("// a\nrole x // b\n// c\nrole y\n// d\n");
        let items = root.children();
        assert_eq!(leading(items[0]), vec!["// a"]);
        assert_eq!(trailing(items[0]), vec!["// b"]);
        assert_eq!(leading(items[1]), vec!["// c"]);
        let Kind::Block(file) = &root.kind else {
            panic!("the root is a block")
        };
        assert_eq!(file.dangling.len(), 1);
    }

    #[test]
    fn comments_follow_their_clause_when_clauses_move() {
        let root = attached(
            "rule r {\n  permit a to b\n  // about when\n  when x // why\n  for any customer\n}\n",
        );
        let rule = &root.children()[0].children()[0];
        let children = rule.children();
        // Print order: header, effect, for, when.
        assert_eq!(children[2].flat(), "for any customer");
        assert_eq!(leading(children[3]), vec!["// about when"]);
        assert_eq!(trailing(children[3]), vec!["// why"]);
    }

    #[test]
    fn a_comment_inside_a_text_leads_it() {
        let root = attached("rule r {\n  permit a, // x\n  b to c\n}\n");
        let rule = &root.children()[0].children()[0];
        assert_eq!(leading(rule.children()[1]), vec!["// x"]);
    }

    #[test]
    fn comments_after_the_brace_trail_the_header() {
        let root = attached("rule r { // h\n  permit a to b\n  // end\n}\n");
        let rule = &root.children()[0].children()[0];
        assert_eq!(trailing(rule.children()[0]), vec!["// h"]);
        let Kind::Block(block) = &rule.kind else {
            panic!("a rule is a block")
        };
        assert_eq!(block.dangling[0].comment.text, "// end");
    }

    #[test]
    fn first_and_last_operands_lift_their_comments() {
        let root = attached("segment s =\n  // first\n  a and b // last\nrole r\n");
        let item = root.children()[0];
        assert_eq!(leading(item), vec!["// first"]);
        assert_eq!(trailing(item), vec!["// last"]);
        assert!(!item.has_inner_comments());
    }

    #[test]
    fn middle_comments_stay_inside_the_chain() {
        let root = attached("segment s = a // one\n  // two\n  and b\n");
        let item = root.children()[0];
        assert!(item.leading.is_empty());
        assert!(item.has_inner_comments());
    }

    #[test]
    fn extra_trailing_comments_lead_instead() {
        let root = attached("segment s = (a or b // one\n) // two\n");
        let item = root.children()[0];
        assert_eq!(leading(item), vec!["// one"]);
        assert_eq!(trailing(item), vec!["// two"]);
    }

    #[test]
    fn moved_comments_go_before_the_doc_comment() {
        let root = attached("role a\n\n/// doc\naction x(// inner\n p: Int)\n");
        let item = root.children()[1];
        assert_eq!(leading(item), vec!["// inner", "/// doc"]);
        assert!(item.leading[0].blank_before);
        assert!(!item.leading[1].blank_before);
    }
}
