//! The escalation graph as SVG: roles in columns by how far up the
//! escalation chain they are (a request only travels left to right), arrows
//! labelled with the actions that escalate along them. An arrow to the next
//! column is straight; one that skips columns arches over the boxes; one
//! that goes back (only in an escalation cycle, itself an error) arches
//! under them.

use crate::html::escape;
use remit_analysis::describe::humanize;
use remit_analysis::matrix::escalation_edges;
use remit_sema::model::{IndexVec, Model, RoleId};
use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write;

/// Box height.
const BOX_H: usize = 40;
/// Vertical gap between boxes.
const GAP_Y: usize = 30;
/// Space around the drawing.
const MARGIN: usize = 20;

/// Column of each role: the longest escalation path that reaches it (Kahn's
/// algorithm, linear in roles and edges; roles on a cycle keep the column
/// their processed predecessors give them).
fn columns<T>(
    roles: &IndexVec<RoleId, T>,
    edges: &BTreeMap<(RoleId, RoleId), Vec<String>>,
) -> IndexVec<RoleId, usize> {
    let n = roles.len();
    let mut column: IndexVec<RoleId, usize> = vec![0usize; n].into();
    let mut indegree: IndexVec<RoleId, usize> = vec![0usize; n].into();
    let mut out: IndexVec<RoleId, Vec<RoleId>> = vec![Vec::new(); n].into();
    for &(f, t) in edges.keys() {
        if roles.get(f).is_some() && roles.get(t).is_some() && f != t {
            out[f].push(t);
            indegree[t] += 1;
        }
    }
    let mut queue: VecDeque<RoleId> = roles.ids().filter(|r| indegree[*r] == 0).collect();
    while let Some(r) = queue.pop_front() {
        for &t in &out[r] {
            column[t] = column[t].max(column[r] + 1);
            indegree[t] -= 1;
            if indegree[t] == 0 {
                queue.push_back(t);
            }
        }
    }
    column
}

/// The escalation graph as an SVG element.
pub fn svg(model: &Model) -> String {
    let mut edges: BTreeMap<(RoleId, RoleId), Vec<String>> = BTreeMap::new();
    for (from, action, to) in escalation_edges(model) {
        let name = model.actions.get(action).map_or("?", |a| a.name.as_str());
        edges.entry((from, to)).or_default().push(humanize(name));
    }
    let names: IndexVec<RoleId, String> = model.roles.iter().map(|r| humanize(&r.name)).collect();
    let column = columns(&names, &edges);
    let columns_used = column.iter().max().map_or(1, |c| c + 1);
    let mut rows_in = vec![0usize; columns_used];
    let mut row: IndexVec<RoleId, usize> = vec![0usize; names.len()].into();
    for (r, c) in column.iter_enumerated() {
        row[r] = rows_in[*c];
        rows_in[*c] += 1;
    }
    // Sizes from the text: about 7.5 px a character at 13 px, 6.5 at 11 px.
    let longest_name = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    let box_w = (longest_name * 15 / 2 + 30).clamp(150, 320);
    let longest_label = edges
        .values()
        .map(|a| a.join(", ").chars().count())
        .max()
        .unwrap_or(0);
    let gap_x = (longest_label * 13 / 2 + 40).clamp(120, 420);
    let skips = edges
        .keys()
        .map(|(f, t)| column[*t].abs_diff(column[*f]))
        .max()
        .unwrap_or(0);
    let arch = |span: usize| 40 + 18 * span;
    let top = MARGIN + if skips > 1 { arch(skips) + 14 } else { 14 };
    let back = edges
        .keys()
        .any(|(f, t)| column[*t] <= column[*f] && f != t);
    let rows_max = rows_in.iter().copied().max().unwrap_or(1);
    let width = 2 * MARGIN + columns_used * box_w + (columns_used - 1) * gap_x;
    let height =
        top + rows_max * (BOX_H + GAP_Y) + if back { arch(columns_used) } else { 0 } + MARGIN;
    let at = |r: RoleId| {
        (
            MARGIN + column[r] * (box_w + gap_x),
            top + row[r] * (BOX_H + GAP_Y),
        )
    };
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" style=\"max-width: 100%; height: auto\" role=\"img\" aria-label=\"escalation graph\">\n<defs><marker id=\"arrow\" markerWidth=\"10\" markerHeight=\"8\" refX=\"10\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" fill=\"#555\"/></marker></defs>\n"
    );
    let mut labels = String::new();
    for (&(f, t), actions) in &edges {
        if names.get(f).is_none() || names.get(t).is_none() || f == t {
            continue;
        }
        let ((x1, y1), (x2, y2)) = (at(f), at(t));
        let span = column[t].abs_diff(column[f]);
        let (path, lx, ly) = if column[t] == column[f] + 1 {
            let (sx, sy, ex, ey) = (x1 + box_w, y1 + BOX_H / 2, x2, y2 + BOX_H / 2);
            (
                format!("M{sx},{sy} L{ex},{ey}"),
                (sx + ex) / 2,
                (sy + ey) / 2 - 6,
            )
        } else if column[t] > column[f] {
            let (sx, sy, ex, ey) = (x1 + box_w / 2, y1, x2 + box_w / 2, y2);
            let cy = sy.min(ey).saturating_sub(2 * arch(span));
            let apex = (sy + ey) / 4 + cy / 2;
            (
                format!("M{sx},{sy} Q{},{cy} {ex},{ey}", (sx + ex) / 2),
                (sx + ex) / 2,
                apex.saturating_sub(5),
            )
        } else {
            let (sx, sy, ex, ey) = (x1 + box_w / 2, y1 + BOX_H, x2 + box_w / 2, y2 + BOX_H);
            let cy = sy.max(ey) + 2 * arch(span.max(1));
            let apex = (sy + ey) / 4 + cy / 2;
            (
                format!("M{sx},{sy} Q{},{cy} {ex},{ey}", (sx + ex) / 2),
                (sx + ex) / 2,
                apex + 14,
            )
        };
        let _ = writeln!(
            s,
            "<path d=\"{path}\" fill=\"none\" stroke=\"#555\" marker-end=\"url(#arrow)\"/>"
        );
        let _ = writeln!(
            labels,
            "<text x=\"{lx}\" y=\"{ly}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#333\" stroke=\"#fff\" stroke-width=\"4\" paint-order=\"stroke\">{}</text>",
            escape(&actions.join(", "))
        );
    }
    for (r, name) in names.iter_enumerated() {
        let (x, y) = at(r);
        let _ = writeln!(s, "<rect x=\"{x}\" y=\"{y}\" width=\"{box_w}\" height=\"{BOX_H}\" rx=\"6\" fill=\"#eef3fb\" stroke=\"#3b6ea8\"/>");
        let _ = writeln!(s, "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"middle\" fill=\"#123\">{}</text>", x + box_w / 2, y + BOX_H / 2 + 4, escape(name));
    }
    s.push_str(&labels);
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use remit_sema::model::Id;

    fn edges(list: &[(usize, usize)]) -> BTreeMap<(RoleId, RoleId), Vec<String>> {
        list.iter()
            .map(|(f, t)| {
                let id = RoleId::from_index;
                ((id(*f), id(*t)), vec!["a".to_string()])
            })
            .collect()
    }

    /// The columns of `n` roles.
    fn layout(n: usize, list: &[(usize, usize)]) -> Vec<usize> {
        let roles: IndexVec<RoleId, ()> = vec![(); n].into();
        columns(&roles, &edges(list)).into_iter().collect()
    }

    #[test]
    fn requests_travel_left_to_right() {
        // 0 → 1 → 2 and 0 → 2: 2 is two columns right of 0; 3 stands alone.
        assert_eq!(layout(4, &[(0, 1), (1, 2), (0, 2)]), [0, 1, 2, 0]);
        // A sideways escalation to an unrelated role moves it right.
        assert_eq!(layout(3, &[(2, 0), (0, 1)]), [1, 2, 0]);
    }

    #[test]
    fn a_cycle_still_gets_columns() {
        assert_eq!(layout(3, &[(0, 1), (1, 2), (2, 1)]), [0, 1, 0]);
    }
}
