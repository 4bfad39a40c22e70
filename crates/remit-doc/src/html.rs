//! The matrix as one self-contained HTML page: no scripts, no fonts, no
//! requests; the escalation graph is inline SVG.

use crate::svg::svg;
use crate::{
    above_cell, anchor, by_action, heading, outcome_cell, outcome_class, title, COLUMNS,
    HOW_TO_READ,
};
use remit_analysis::describe::{humanize, list};
use remit_analysis::matrix::{matrix, Phrase, RoleMatrix, Row};
use remit_sema::model::Model;
use std::collections::BTreeSet;
use std::fmt::Write;

const STYLE: &str = "
body { font-family: system-ui, sans-serif; max-width: 84rem; margin: 2rem auto; padding: 0 1rem; color: #123; line-height: 1.4; }
h1 { margin-bottom: .3rem; }
h2 { border-bottom: 1px solid #ccd; padding-bottom: .2rem; margin-top: 2.2rem; }
nav a { margin-right: 1rem; }
.how { background: #f5f7fa; border-left: 4px solid #3b6ea8; padding: .6rem .9rem; max-width: 60rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin-top: .6rem; table-layout: fixed; }
col.action { width: 8%; } col.rule { width: 14%; } col.who { width: 14%; } col.when { width: 14%; }
col.upto { width: 11%; } col.often { width: 11%; } col.requires { width: 13%; } col.above { width: 15%; }
th, td { border: 1px solid #ccd; padding: .35rem .5rem; vertical-align: top; text-align: left; }
thead th { background: #eef3fb; }
tbody th { background: #f7f9fc; }
.outcome { display: inline-block; border-radius: .3rem; padding: 0 .45rem; font-weight: 600; font-size: .8rem; margin-bottom: .15rem; }
.rule { display: block; }
.item + .item { border-top: 1px dotted #bbc; margin-top: .25rem; padding-top: .25rem; }
.outcome.may { background: #e3f4e6; color: #1d5e2a; }
.outcome.never { background: #fde2e2; color: #8a1c1c; }
.outcome.goes { background: #fff1d6; color: #7a4b00; }
.rule { font-weight: 600; }
.doc { color: #445; font-size: .85rem; margin-top: .2rem; }
.def { color: #445; font-size: .85rem; margin-top: .25rem; }
.def b { font-weight: 600; }
.from { color: #556; font-style: italic; }
.inherited { color: #556; }
.inherited b { color: #123; }
.uncovered { color: #445; }
";

/// Column classes, for their widths.
const COLGROUP: &str = "<col class=\"action\"><col class=\"rule\"><col class=\"who\"><col class=\"when\"><col class=\"upto\"><col class=\"often\"><col class=\"requires\"><col class=\"above\">";

/// The matrix as one self-contained HTML page.
pub fn html(model: &Model) -> String {
    let title = escape(&title(model));
    let mut s = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
    );
    if let Some(v) = &model.version {
        let _ = writeln!(s, "<p>Version {}.</p>", escape(v));
    }
    if let Some(d) = &model.doc {
        let _ = writeln!(s, "<p>{}</p>", escape(d));
    }
    let roles = matrix(model);
    let links: Vec<String> = roles
        .iter()
        .map(|r| {
            format!(
                "<a href=\"#{}\">{}</a>",
                escape(&anchor(model, r.role)),
                escape(&heading(&r.name))
            )
        })
        .collect();
    let _ = writeln!(s, "<nav>Roles: {}</nav>", links.join(""));
    let _ = writeln!(s, "<h2>Where requests go</h2>\n{}", svg(model));
    let _ = writeln!(s, "<p class=\"how\">{}</p>", escape(HOW_TO_READ));
    for role in &roles {
        role_section(&mut s, model, role);
    }
    s.push_str("</body>\n</html>\n");
    s
}

fn role_section(s: &mut String, model: &Model, role: &RoleMatrix<'_>) {
    let _ = writeln!(
        s,
        "<section id=\"{}\">\n<h2>{}</h2>",
        escape(&anchor(model, role.role)),
        escape(&heading(&role.name))
    );
    if let Some(d) = model.roles.get(role.role).and_then(|r| r.doc.as_ref()) {
        let _ = writeln!(s, "<p>{}</p>", escape(d));
    }
    if !role.parents.is_empty() {
        let _ = writeln!(
            s,
            "<p>Inherits every rule of {}: those rows are marked “from” the role they are written for.</p>",
            escape(&list(&role.parents, "and"))
        );
    }
    if role.rows.is_empty() {
        let _ = writeln!(
            s,
            "<p>No rule covers this role: every request is denied.</p>\n</section>"
        );
        return;
    }
    let _ = writeln!(
        s,
        "<table>\n<colgroup>{COLGROUP}</colgroup>\n<thead><tr><th>Action</th>"
    );
    for c in COLUMNS {
        let _ = write!(s, "<th>{c}</th>");
    }
    let _ = writeln!(s, "</tr></thead>");
    let mut documented = BTreeSet::new();
    for (action, rows) in by_action(model, &role.rows) {
        let _ = writeln!(s, "<tbody>");
        for (i, row) in rows.iter().enumerate() {
            let first = documented.insert(row.rule.name.as_str());
            s.push_str("<tr>");
            if i == 0 {
                let _ = write!(
                    s,
                    "<th scope=\"rowgroup\" rowspan=\"{}\">{}</th>",
                    rows.len(),
                    escape(&action)
                );
            }
            row_cells(s, model, role, row, first);
            s.push_str("</tr>\n");
        }
        let _ = writeln!(s, "</tbody>");
    }
    let _ = writeln!(s, "</table>");
    if !role.uncovered.is_empty() {
        let _ = writeln!(
            s,
            "<p class=\"uncovered\">No rule covers {} for this role: such requests are denied.</p>",
            escape(&list(&role.uncovered, "or"))
        );
    }
    let _ = writeln!(s, "</section>");
}

/// A row's cells after the action; the rule's doc comment only on its
/// `first` row in the table.
fn row_cells(s: &mut String, model: &Model, role: &RoleMatrix<'_>, row: &Row<'_>, first: bool) {
    let pill = format!(
        "<span class=\"outcome {}\">{}</span>",
        outcome_class(row.outcome),
        escape(&outcome_cell(model, row.outcome))
    );
    if let Some(from) = row.from {
        let name = model.roles.get(from).map_or("?", |r| r.name.as_str());
        let _ = write!(
            s,
            "<td class=\"inherited\" colspan=\"{}\">{pill} <b>{}</b>, <a class=\"from\" href=\"#{}\">from {}</a>: as in that role’s table</td><td>{}</td>",
            COLUMNS.len() - 1,
            escape(&row.rule_name),
            escape(&anchor(model, from)),
            escape(&humanize(name)),
            escape(&above_cell(model, role, row))
        );
        return;
    }
    let _ = write!(
        s,
        "<td>{pill}<span class=\"rule\">{}</span>",
        escape(&row.rule_name)
    );
    if let Some(d) = row.rule.doc.as_ref().filter(|_| first) {
        let _ = write!(s, "<div class=\"doc\">{}</div>", escape(d));
    }
    s.push_str("</td>");
    for p in [&row.for_whom, &row.when] {
        let _ = write!(s, "<td>{}</td>", phrase(p));
    }
    for list in [&row.up_to, &row.how_often, &row.requires] {
        let _ = write!(s, "<td>{}</td>", items(list));
    }
    let _ = write!(s, "<td>{}</td>", escape(&above_cell(model, role, row)));
}

fn phrase(p: &Phrase) -> String {
    let mut s = escape(&p.text);
    for d in &p.definitions {
        let _ = write!(
            s,
            "<div class=\"def\"><b>{}</b>: {}</div>",
            escape(&d.term),
            escape(&d.meaning)
        );
    }
    s
}

fn items(list: &[String]) -> String {
    if list.is_empty() {
        return "—".to_string();
    }
    list.iter()
        .map(|i| format!("<div class=\"item\">{}</div>", escape(i)))
        .collect()
}

/// Text safe in HTML content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
