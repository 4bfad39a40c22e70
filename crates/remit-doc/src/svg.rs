//! The escalation graph as SVG: roles in columns by depth of inheritance,
//! arrows labelled with the actions that escalate along them.

use crate::html::escape;
use remit_analysis::describe::humanize;
use remit_analysis::matrix::escalation_edges;
use remit_sema::model::Model;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Columns beyond this depth of inheritance share the last one.
const MAX_COLUMNS: usize = 8;

/// The escalation graph as an SVG element.
pub fn svg(model: &Model) -> String {
    let mut columns: Vec<Vec<usize>> = Vec::new();
    for (r, role) in model.roles.iter().enumerate() {
        let d = role.ancestors.len().min(MAX_COLUMNS);
        if columns.len() <= d {
            columns.resize(d + 1, Vec::new());
        }
        columns[d].push(r);
    }
    let (w, h, gap_x, gap_y) = (150, 40, 230, 30);
    let mut pos = vec![(0, 0); model.roles.len()];
    for (c, col) in columns.iter().enumerate() {
        for (row, r) in col.iter().enumerate() {
            pos[*r] = (20 + c * (w + gap_x), 20 + row * (h + gap_y));
        }
    }
    let width = 40 + columns.len() * (w + gap_x);
    let height = 40 + columns.iter().map(Vec::len).max().unwrap_or(1) * (h + gap_y);
    let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" style=\"max-width: 100%; height: auto\" role=\"img\" aria-label=\"escalation graph\">\n<defs><marker id=\"arrow\" markerWidth=\"10\" markerHeight=\"8\" refX=\"10\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" fill=\"#555\"/></marker></defs>\n");
    let mut labels: BTreeMap<(usize, usize), Vec<String>> = BTreeMap::new();
    for (from, action, to) in escalation_edges(model) {
        let name = model.actions.get(action).map_or("?", |a| a.name.as_str());
        labels.entry((from, to)).or_default().push(humanize(name));
    }
    for ((f, t), actions) in &labels {
        let (Some(&(x1, y1)), Some(&(x2, y2))) = (pos.get(*f), pos.get(*t)) else {
            continue;
        };
        let (sx, sy, ex, ey) = (x1 + w, y1 + h / 2, x2, y2 + h / 2);
        let (ex, sx) = if x2 > x1 {
            (ex, sx)
        } else {
            (x2 + w / 2, x1 + w / 2)
        };
        let _ = writeln!(s, "<line x1=\"{sx}\" y1=\"{sy}\" x2=\"{ex}\" y2=\"{ey}\" stroke=\"#555\" marker-end=\"url(#arrow)\"/>");
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#333\">{}</text>",
            sx.min(ex) + 8,
            (sy + ey) / 2 - 5,
            escape(&actions.join(", "))
        );
    }
    for (r, (x, y)) in pos.iter().enumerate() {
        let name = model.roles.get(r).map_or("?", |d| d.name.as_str());
        let _ = writeln!(s, "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"6\" fill=\"#eef3fb\" stroke=\"#3b6ea8\"/>");
        let _ = writeln!(s, "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"middle\" fill=\"#123\">{}</text>", x + w / 2, y + h / 2 + 4, escape(&humanize(name)));
    }
    s.push_str("</svg>\n");
    s
}
