//! The matrix as Markdown (GitHub-flavoured tables, a Mermaid graph).

use crate::{above_cell, anchor, by_action, heading, outcome_cell, title, COLUMNS, HOW_TO_READ};
use remit_analysis::describe::{humanize, list};
use remit_analysis::matrix::{escalation_edges, matrix, Phrase, RoleMatrix, Row};
use remit_sema::model::{Model, RoleId};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// The matrix as Markdown, with a Mermaid escalation graph.
pub fn markdown(model: &Model) -> String {
    let mut s = format!("# {}\n\n", title(model));
    if let Some(v) = &model.version {
        let _ = writeln!(s, "Version {v}.\n");
    }
    if let Some(d) = &model.doc {
        let _ = writeln!(s, "{d}\n");
    }
    let _ = writeln!(s, "## Where requests go\n\n```mermaid\nflowchart LR");
    let mut edges: BTreeMap<(RoleId, RoleId), Vec<String>> = BTreeMap::new();
    for (from, action, to) in escalation_edges(model) {
        let action = model.actions.get(action).map_or("?", |a| a.name.as_str());
        edges.entry((from, to)).or_default().push(humanize(action));
    }
    let name = |r: RoleId| model.roles.get(r).map_or("?", |d| d.name.as_str());
    for ((from, to), actions) in edges {
        let _ = writeln!(
            s,
            "  {}[\"{}\"] -->|{}| {}[\"{}\"]",
            name(from),
            humanize(name(from)),
            actions.join(", "),
            name(to),
            humanize(name(to))
        );
    }
    let _ = writeln!(s, "```\n\n## How to read the tables\n\n{HOW_TO_READ}\n");
    for role in matrix(model) {
        role_section(&mut s, model, &role);
    }
    s
}

fn role_section(s: &mut String, model: &Model, role: &RoleMatrix<'_>) {
    let _ = writeln!(s, "## {}\n", heading(&role.name));
    if let Some(d) = model.roles.get(role.role).and_then(|r| r.doc.as_ref()) {
        let _ = writeln!(s, "{d}\n");
    }
    if !role.parents.is_empty() {
        let _ = writeln!(
            s,
            "Inherits every rule of {}: those rows are marked “from” the role they are written for.\n",
            list(&role.parents, "and")
        );
    }
    if role.rows.is_empty() {
        let _ = writeln!(s, "No rule covers this role: every request is denied.\n");
        return;
    }
    let _ = writeln!(s, "| Action | {} |", COLUMNS.join(" | "));
    let _ = writeln!(s, "|{}", "---|".repeat(COLUMNS.len() + 1));
    let mut documented = BTreeSet::new();
    for (action, rows) in by_action(model, &role.rows) {
        for (i, row) in rows.iter().enumerate() {
            let action = if i == 0 { cell(&action) } else { String::new() };
            let first = documented.insert(row.rule.name.as_str());
            let cells = cells(model, role, row, first).join(" | ");
            let _ = writeln!(s, "| {action} | {cells} |");
        }
    }
    let _ = writeln!(s);
    if !role.uncovered.is_empty() {
        let _ = writeln!(
            s,
            "No rule covers {} for this role: such requests are denied.\n",
            list(&role.uncovered, "or")
        );
    }
}

/// The cells of a row after the action; the rule's doc comment only on its
/// `first` row in the table.
fn cells(model: &Model, role: &RoleMatrix<'_>, row: &Row<'_>, first: bool) -> Vec<String> {
    let mut rule = format!(
        "**{}**: {}",
        outcome_cell(model, row.outcome),
        cell(&row.rule_name)
    );
    if let Some(from) = row.from {
        let name = model.roles.get(from).map_or("?", |r| r.name.as_str());
        let _ = write!(
            rule,
            " *(from [{}](#{}))*",
            cell(&humanize(name)),
            anchor(model, from)
        );
        let mut out = vec![rule, "*as for that role*".to_string()];
        out.extend(std::iter::repeat_n(String::new(), COLUMNS.len() - 3));
        out.push(cell(&above_cell(model, role, row)));
        return out;
    }
    if let Some(d) = row.rule.doc.as_ref().filter(|_| first) {
        let _ = write!(rule, "<br>{}", cell(&d.replace('\n', " ")));
    }
    vec![
        rule,
        phrase(&row.for_whom),
        phrase(&row.when),
        items(&row.up_to),
        items(&row.how_often),
        items(&row.requires),
        cell(&above_cell(model, role, row)),
    ]
}

fn phrase(p: &Phrase) -> String {
    let mut s = cell(&p.text);
    for d in &p.definitions {
        let _ = write!(s, "<br>*{}*: {}", cell(&d.term), cell(&d.meaning));
    }
    s
}

fn items(list: &[String]) -> String {
    if list.is_empty() {
        return "—".to_string();
    }
    list.iter()
        .map(|i| cell(i))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// Text safe inside a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('<', "&lt;")
}
