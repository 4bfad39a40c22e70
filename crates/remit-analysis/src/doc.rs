//! The empowerment matrix for staff (`remit doc`): for each role, what it
//! may do (actions, for whom, when, caps, frequencies, budgets,
//! obligations), what it must never do, and where each action escalates;
//! plus the escalation graph. Rendered as Markdown (with a Mermaid graph)
//! and as self-contained HTML (with an SVG graph drawn here, no tools).

use remit_sema::model::{Cond, Input, InputKind, Model, RuleDef, Type};
use remit_sema::units::{format_duration, format_money};
use remit_syntax::ast::{CmpOp, EffectKind, Per};
use std::collections::BTreeSet;
use std::fmt::Write;

/// One rule as it applies to a role.
struct Entry<'m> {
    rule: &'m RuleDef,
    /// The ancestor the rule is written for, when inherited.
    inherited_from: Option<&'m str>,
    text: String,
}

/// A condition in words: `customer.tier is gold or platinum`.
pub fn cond_words(model: &Model, cond: &Cond, actions: &[usize]) -> String {
    match cond {
        Cond::True => "always".to_string(),
        Cond::False => "never".to_string(),
        Cond::And(v) => v
            .iter()
            .map(|c| paren(model, c, actions))
            .collect::<Vec<_>>()
            .join(" and "),
        Cond::Or(v) => v
            .iter()
            .map(|c| paren(model, c, actions))
            .collect::<Vec<_>>()
            .join(" or "),
        Cond::Not(c) => format!("not {}", paren(model, c, actions)),
        Cond::Segment(i) => model
            .segments
            .get(*i)
            .map_or_else(String::new, |s| s.name.clone()),
        Cond::Situation(i) => model
            .situations
            .get(*i)
            .map_or_else(String::new, |s| s.name.clone()),
        Cond::Num { input, op, value } => {
            let shown = value_words(model, input, actions, *value);
            let op = match op {
                CmpOp::Eq => "is",
                CmpOp::Ne => "is not",
                CmpOp::Lt => "below",
                CmpOp::Le => "at most",
                CmpOp::Gt => "above",
                CmpOp::Ge => "at least",
            };
            format!("{} {op} {shown}", input.source_name())
        }
        Cond::Bool { input, value: true } => input.source_name(),
        Cond::Bool {
            input,
            value: false,
        } => format!("not {}", input.source_name()),
        Cond::In { input, variants } => {
            let v: Vec<&str> = variants.iter().map(String::as_str).collect();
            match v.as_slice() {
                [one] => format!("{} is {one}", input.source_name()),
                _ => format!("{} is one of {}", input.source_name(), v.join(", ")),
            }
        }
        Cond::Contains { input, variant } => format!("{} includes {variant}", input.source_name()),
    }
}

fn paren(model: &Model, c: &Cond, actions: &[usize]) -> String {
    match c {
        Cond::And(_) | Cond::Or(_) => format!("({})", cond_words(model, c, actions)),
        _ => cond_words(model, c, actions),
    }
}

fn value_words(model: &Model, input: &Input, actions: &[usize], v: i64) -> String {
    match model.input_type(input, actions) {
        Some(Type::Money) => format_money(v, model.currency.as_ref()),
        Some(Type::Duration) => format_duration(v),
        _ => v.to_string(),
    }
}

/// A rule's box in plain words, for the role reading it.
pub fn rule_words(model: &Model, rule: &RuleDef) -> String {
    let names = |ids: &[usize], pick: &dyn Fn(usize) -> String| {
        ids.iter().map(|i| pick(*i)).collect::<Vec<_>>().join(", ")
    };
    let actions = names(&rule.actions, &|a| model.actions[a].name.clone());
    let mut s = match rule.effect {
        EffectKind::Permit => format!("may {actions}"),
        EffectKind::Forbid => format!("must never {actions}"),
        EffectKind::Escalate => format!(
            "sends {actions} to {}",
            rule.target
                .map_or_else(String::new, |t| model.roles[t].name.clone())
        ),
    };
    match &rule.customers {
        Some(Cond::True) | None => s.push_str(" for any customer"),
        Some(c) => {
            let _ = write!(
                s,
                " for customers where {}",
                cond_words(model, c, &rule.actions)
            );
        }
    }
    if let Some(w) = &rule.when {
        let _ = write!(s, ", when {}", cond_words(model, w, &rule.actions));
    }
    let mut limits = Vec::new();
    for cap in &rule.caps {
        let input = Input {
            kind: InputKind::Param,
            name: cap.param.clone(),
        };
        limits.push(format!(
            "{} up to {}",
            cap.param,
            value_words(model, &input, &rule.actions, cap.max)
        ));
    }
    for c in &rule.counts {
        limits.push(format!(
            "at most {} per {} per {}",
            c.count,
            if c.per == Per::Customer {
                "customer"
            } else {
                "employee"
            },
            format_duration(c.window_minutes)
        ));
    }
    for t in &rule.totals {
        limits.push(format!(
            "at most {} in total per customer per {}",
            format_money(t.amount, model.currency.as_ref()),
            format_duration(t.window_minutes)
        ));
    }
    if !limits.is_empty() {
        let _ = write!(s, "; {}", limits.join(", "));
    }
    if !rule.require.is_empty() {
        let _ = write!(
            s,
            "; requires {}",
            names(&rule.require, &|o| model.obligations[o].name.clone())
        );
    }
    if !rule.notify.is_empty() {
        let _ = write!(
            s,
            "; notifies {}",
            names(&rule.notify, &|r| model.roles[r].name.clone())
        );
    }
    if let Some(o) = rule.otherwise {
        let _ = write!(s, "; beyond that, escalates to {}", model.roles[o].name);
    }
    s
}

/// Rules that apply to a role (its own and inherited ones), by effect.
fn entries<'m>(model: &'m Model, role: usize, effect: EffectKind) -> Vec<Entry<'m>> {
    let def = &model.roles[role];
    model
        .rules
        .iter()
        .filter(|r| r.ok && r.effect == effect)
        // An escalation never sends a role's request to itself or to one of
        // its ancestors (LANGUAGE.md §4).
        .filter(|r| {
            r.target
                .is_none_or(|t| t != role && !def.ancestors.contains(&t))
        })
        .filter_map(|r| {
            if r.roles.contains(&role) {
                return Some(Entry {
                    rule: r,
                    inherited_from: None,
                    text: rule_words(model, r),
                });
            }
            let from = r.roles.iter().find(|x| def.ancestors.contains(x))?;
            Some(Entry {
                rule: r,
                inherited_from: Some(model.roles[*from].name.as_str()),
                text: rule_words(model, r),
            })
        })
        .collect()
}

/// One role's part of the matrix: its own and inherited rules by effect.
struct RoleSection<'m> {
    name: &'m str,
    doc: Option<&'m str>,
    parents: Vec<&'m str>,
    /// ("May" | "Must never" | "Sends onward", entries), empty ones left out.
    groups: Vec<(&'static str, Vec<Entry<'m>>)>,
}

fn sections(model: &Model) -> Vec<RoleSection<'_>> {
    model
        .roles
        .iter()
        .enumerate()
        .map(|(i, role)| RoleSection {
            name: &role.name,
            doc: role.doc.as_deref(),
            parents: role
                .extends
                .iter()
                .map(|p| model.roles[*p].name.as_str())
                .collect(),
            groups: [
                ("May", EffectKind::Permit),
                ("Must never", EffectKind::Forbid),
                ("Sends onward", EffectKind::Escalate),
            ]
            .into_iter()
            .map(|(title, effect)| (title, entries(model, i, effect)))
            .filter(|(_, list)| !list.is_empty())
            .collect(),
        })
        .collect()
}

/// Escalation edges: (from, action, to).
fn edges(model: &Model) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for r in model.rules.iter().filter(|r| r.ok) {
        let target = match r.effect {
            EffectKind::Escalate => r.target,
            EffectKind::Permit => r.otherwise,
            EffectKind::Forbid => None,
        };
        let Some(t) = target else { continue };
        for &from in &r.roles {
            for &a in &r.actions {
                out.insert((
                    model.roles[from].name.clone(),
                    model.actions[a].name.clone(),
                    model.roles[t].name.clone(),
                ));
            }
        }
    }
    out
}

/// The matrix as Markdown, with a Mermaid escalation graph.
pub fn markdown(model: &Model) -> String {
    let mut s = format!("# {} — empowerment matrix\n\n", model.name);
    if let Some(v) = &model.version {
        let _ = writeln!(s, "Version {v}.\n");
    }
    if let Some(d) = &model.doc {
        let _ = writeln!(s, "{d}\n");
    }
    let _ = writeln!(s, "## Where requests go\n\n```mermaid\nflowchart LR");
    for (from, action, to) in edges(model) {
        let _ = writeln!(s, "  {from} -->|{action}| {to}");
    }
    let _ = writeln!(s, "```\n");
    for role in sections(model) {
        let _ = writeln!(s, "## {}\n", role.name);
        if let Some(d) = role.doc {
            let _ = writeln!(s, "{d}\n");
        }
        if !role.parents.is_empty() {
            let _ = writeln!(s, "Has every power of {}.\n", role.parents.join(", "));
        }
        for (title, list) in role.groups {
            let _ = writeln!(s, "### {title}\n");
            for e in list {
                let from = e
                    .inherited_from
                    .map_or_else(String::new, |f| format!(" _(from {f})_"));
                let _ = writeln!(s, "- **{}**{from}: {}", e.rule.name, e.text);
                if let Some(d) = &e.rule.doc {
                    let _ = writeln!(s, "  > {}", d.replace('\n', " "));
                }
            }
            let _ = writeln!(s);
        }
    }
    s
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The escalation graph as SVG: roles in columns by depth of inheritance,
/// arrows labelled with actions.
pub fn svg(model: &Model) -> String {
    let depth = |r: usize| model.roles[r].ancestors.len();
    let mut columns: Vec<Vec<usize>> = Vec::new();
    for r in 0..model.roles.len() {
        let d = depth(r).min(8);
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
    let mut labels: std::collections::BTreeMap<(String, String), Vec<String>> =
        std::collections::BTreeMap::new();
    for (from, action, to) in edges(model) {
        labels.entry((from, to)).or_default().push(action);
    }
    for ((from, to), actions) in &labels {
        let (Some(f), Some(t)) = (model.role(from), model.role(to)) else {
            continue;
        };
        let ((x1, y1), (x2, y2)) = (pos[f], pos[t]);
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
        let _ = writeln!(s, "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"6\" fill=\"#eef3fb\" stroke=\"#3b6ea8\"/>");
        let _ = writeln!(s, "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"middle\" fill=\"#123\">{}</text>", x + w / 2, y + h / 2 + 4, escape(&model.roles[r].name));
    }
    s.push_str("</svg>\n");
    s
}

/// The matrix as one self-contained HTML page.
pub fn html(model: &Model) -> String {
    let mut s = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} — empowerment matrix</title>\n<style>\nbody {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #123; }}\nh2 {{ border-bottom: 1px solid #ccd; padding-bottom: .2rem; }}\nli {{ margin: .4rem 0; }}\n.rule {{ font-weight: 600; }}\n.from {{ color: #666; font-style: italic; }}\n.doc {{ color: #444; margin-left: 1rem; }}\n</style>\n</head>\n<body>\n<h1>{} — empowerment matrix</h1>\n",
        escape(&model.name),
        escape(&model.name)
    );
    if let Some(v) = &model.version {
        let _ = writeln!(s, "<p>Version {}.</p>", escape(v));
    }
    if let Some(d) = &model.doc {
        let _ = writeln!(s, "<p>{}</p>", escape(d));
    }
    let _ = writeln!(s, "<h2>Where requests go</h2>\n{}", svg(model));
    for role in sections(model) {
        let name = escape(role.name);
        let _ = writeln!(s, "<section id=\"{name}\">\n<h2>{name}</h2>");
        if let Some(d) = role.doc {
            let _ = writeln!(s, "<p>{}</p>", escape(d));
        }
        if !role.parents.is_empty() {
            let _ = writeln!(
                s,
                "<p>Has every power of {}.</p>",
                escape(&role.parents.join(", "))
            );
        }
        for (title, list) in role.groups {
            let _ = writeln!(s, "<h3>{title}</h3>\n<ul>");
            for e in list {
                let from = e.inherited_from.map_or_else(String::new, |f| {
                    format!(" <span class=\"from\">(from {})</span>", escape(f))
                });
                let doc = e.rule.doc.as_ref().map_or_else(String::new, |d| {
                    format!("<div class=\"doc\">{}</div>", escape(d))
                });
                let _ = writeln!(
                    s,
                    "<li><span class=\"rule\">{}</span>{from}: {}{doc}</li>",
                    escape(&e.rule.name),
                    escape(&e.text)
                );
            }
            let _ = writeln!(s, "</ul>");
        }
        let _ = writeln!(s, "</section>");
    }
    s.push_str("</body>\n</html>\n");
    s
}
