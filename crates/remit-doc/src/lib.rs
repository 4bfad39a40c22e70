//! Staff documentation of a policy (`remit doc`): the empowerment matrix,
//! rendered. For each role, a table with one row per action and rule: for
//! whom, when, up to how much, how often, which obligations, and where a
//! request above the limit goes; plus the escalation graph.
//!
//! The words and the rows come from `remit_analysis::matrix` (the same
//! describer the editor's hover uses); this crate only lays them out, as
//! Markdown ([`markdown`], with a Mermaid graph) and as one self-contained
//! HTML page ([`html`], with an SVG graph drawn here, no tools).

mod html;
mod markdown;
mod svg;

pub use html::html;
pub use markdown::markdown;
pub use svg::svg;

use remit_analysis::matrix::{above_words, outcome_words, Outcome, RoleMatrix, Row};
use remit_sema::model::{Model, RoleId};

/// The title of the page.
fn title(model: &Model) -> String {
    format!(
        "{} — empowerment matrix",
        heading(&remit_analysis::describe::humanize(&model.name))
    )
}

/// How to read a table, in one paragraph (LANGUAGE.md §5 in staff words).
const HOW_TO_READ: &str = "Each role has one table, with a row for each rule on each action. \
A request is denied if a “never” row covers it, whatever the other rows say. \
Otherwise it is allowed when it fits a “may” row completely: the customer, the situation, \
the amount and how often; the obligations of every such row apply. \
A request that fits a “may” row except for a limit goes where that row’s last column says; \
a “goes to” row sends the request to another role. \
Anything no row covers is denied. \
Rows marked “from” a role are inherited from it: they read as in that role’s table.";

/// The column headings of a role's table, after the action.
const COLUMNS: [&str; 7] = [
    "Rule",
    "For whom",
    "When",
    "Up to",
    "How often",
    "Requires",
    "Above the limit",
];

/// "May", "Never", "Goes to duty manager", capitalised for a cell.
fn outcome_cell(model: &Model, outcome: Outcome) -> String {
    heading(&outcome_words(model, outcome))
}

/// The last column of a row, for the role reading it.
fn above_cell(model: &Model, role: &RoleMatrix<'_>, row: &Row<'_>) -> String {
    above_words(model, role.role, row.above)
}

/// The CSS class of an outcome.
fn outcome_class(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Never => "never",
        Outcome::May => "may",
        Outcome::GoesTo(_) => "goes",
    }
}

/// Rows grouped by action, in order: (action name, rows).
fn by_action<'r, 'm>(model: &Model, rows: &'r [Row<'m>]) -> Vec<(String, &'r [Row<'m>])> {
    let mut out = Vec::new();
    let mut rest = rows;
    while let Some(first) = rest.first() {
        let n = rest.iter().take_while(|r| r.action == first.action).count();
        let (group, tail) = rest.split_at(n);
        let name = model.actions.get(first.action).map_or_else(
            || "?".to_string(),
            |a| remit_analysis::describe::humanize(&a.name),
        );
        out.push((name, group));
        rest = tail;
    }
    out
}

/// Words with a capital, for headings and the start of a cell.
fn heading(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().collect::<String>() + chars.as_str()
    })
}

/// `role-front_desk`: the anchor of a role's section.
fn anchor(model: &Model, role: RoleId) -> String {
    model
        .roles
        .get(role)
        .map_or_else(|| "role".to_string(), |r| format!("role-{}", r.name))
}
