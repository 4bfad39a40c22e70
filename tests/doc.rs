//! `remit doc`: the empowerment matrix of every example, as Markdown
//! (snapshots, reviewed) and HTML (self-contained; `tests/doc/render.sh`
//! screenshots each page in headless Chromium in CI), checked against what
//! the decision table does.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use remit_analysis::matrix::{matrix, AboveLimit, Outcome};
use remit_analysis::Analysis;
use remit_tests::{analyze_dir, analyze_text, example_dirs, root};

/// Every example that is a policy, by directory name, analysed.
fn examples() -> Vec<(String, Analysis)> {
    example_dirs()
        .into_iter()
        .filter(|d| remit_analysis::workspace::policy_files(d).is_ok_and(|files| !files.is_empty()))
        .map(|d| {
            let name = d.file_name().unwrap().to_string_lossy().into_owned();
            let a = analyze_dir(&d);
            assert!(!a.checked.has_errors(), "{name} does not compile");
            (name, a)
        })
        .collect()
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "doc/snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn every_example_matrix_as_markdown() {
    let all = examples();
    assert!(all.len() >= 5, "examples: {}", all.len());
    for (name, a) in all {
        snapshot(
            &format!("{name}_md"),
            &remit_doc::markdown(&a.checked.model),
        );
    }
}

#[test]
fn the_hotel_page_as_html() {
    let a = analyze_dir(&root().join("examples/hotel_front_desk"));
    snapshot("hotel_front_desk_html", &remit_doc::html(&a.checked.model));
}

/// Item 19: a row's last column says what the evaluator does for the role
/// reading it. Each escalation shown is one the table makes for that role
/// (its target, the role not in `except_roles`), each one the table makes
/// is shown, and an inherited `otherwise escalate to` that would go to the
/// role itself or an ancestor is shown as not applying.
#[test]
fn escalations_shown_are_the_ones_the_table_makes() {
    for (name, a) in examples() {
        let model = &a.checked.model;
        let table = &a.lowered.table;
        for role in matrix(model) {
            let role_name = &model.roles[role.role].name;
            for row in &role.rows {
                let index = model.rules.position(|r| r.name == row.rule.name).unwrap();
                let action = &model.actions[row.action].name;
                let escalation = a.lowered.rule_rows[index]
                    .iter()
                    .map(|i| &table.rows[*i])
                    .find(|r| r.actions.contains(action))
                    .and_then(|r| r.escalation.as_ref());
                let table_says = escalation
                    .filter(|e| !e.except_roles.contains(role_name))
                    .map(|e| e.to.clone());
                let doc_says = match (row.outcome, row.above) {
                    (Outcome::GoesTo(t), _) | (_, AboveLimit::GoesTo(t)) => {
                        Some(model.roles[t].name.clone())
                    }
                    _ => None,
                };
                assert_eq!(
                    doc_says, table_says,
                    "{name}: {role_name} · {action} · rule {}",
                    row.rule.name
                );
                if let AboveLimit::NotUpward(t) = row.above {
                    let e = escalation.unwrap();
                    assert_eq!(e.to, model.roles[t].name);
                    assert!(e.except_roles.contains(role_name));
                }
            }
            // Every escalation the table makes for this role has its row.
            for t in table.rows.iter().filter(|r| r.roles.contains(role_name)) {
                let Some(e) = t
                    .escalation
                    .as_ref()
                    .filter(|e| !e.except_roles.contains(role_name))
                else {
                    continue;
                };
                let shown = role.rows.iter().any(|row| {
                    row.rule.name == t.rule
                        && matches!(
                            (row.outcome, row.above),
                            (Outcome::GoesTo(x), _) | (_, AboveLimit::GoesTo(x))
                                if model.roles[x].name == e.to
                        )
                });
                assert!(shown, "{name}: {role_name} misses {} → {}", t.rule, e.to);
            }
        }
    }
}

#[test]
fn a_duty_manager_is_never_sent_to_themself() {
    let a = analyze_dir(&root().join("examples/hotel_front_desk"));
    let md = remit_doc::markdown(&a.checked.model);
    let duty = section(&md, "## Duty manager");
    assert!(!duty.contains("goes to duty manager"), "{duty}");
    let recovery = duty
        .lines()
        .find(|l| l.contains("room recovery"))
        .expect("the inherited room recovery row");
    assert!(
        recovery.contains(
            "denied, unless another row covers it: not sent to duty manager, this role itself"
        ),
        "{recovery}"
    );
    let gm = section(&md, "## General manager");
    assert!(!gm.contains("goes to general manager"), "{gm}");
    assert!(!gm.contains("goes to duty manager"), "{gm}");
    assert!(
        gm.contains("denied, unless another row covers it: not sent down to duty manager"),
        "{gm}"
    );
}

/// Item 20: one table per role, one row per action and rule, inherited
/// rules one short row each behind a "from" marker.
#[test]
fn each_role_gets_a_table_and_inherited_rules_are_not_repeated() {
    let a = analyze_dir(&root().join("examples/hotel_front_desk"));
    let html = remit_doc::html(&a.checked.model);
    assert_eq!(html.matches("<table>").count(), a.checked.model.roles.len());
    for column in [
        "For whom",
        "When",
        "Up to",
        "How often",
        "Requires",
        "Above the limit",
    ] {
        assert!(html.contains(&format!("<th>{column}</th>")), "{column}");
    }
    // The front desk's room recovery box is spelled out once, in the front
    // desk's own table; its heirs point to it.
    assert_eq!(html.matches("150.00 USD in total").count(), 1);
    let gm = section(&html, "id=\"role-general_manager\"");
    assert!(gm.contains(">from front desk</a>"), "{gm}");
    assert!(!gm.contains("loyalty tier"), "{gm}");
}

/// Item 21: no identifiers on the page. Doc comments label attributes and
/// segments; other names read as words; each segment and situation is
/// defined where it is used.
#[test]
fn staff_read_words_not_identifiers() {
    for (name, a) in examples() {
        for (format, page) in [
            ("md", remit_doc::markdown(&a.checked.model)),
            ("html", remit_doc::html(&a.checked.model)),
        ] {
            let text = visible_text(&page);
            for word in text.split_whitespace() {
                assert!(
                    !word.contains('_'),
                    "{name}.{format} shows the identifier `{word}`"
                );
                assert!(
                    !word.contains("customer.") && !word.contains("context."),
                    "{name}.{format} shows `{word}`"
                );
            }
        }
    }
    let a = analyze_dir(&root().join("examples/hotel_front_desk"));
    let md = remit_doc::markdown(&a.checked.model);
    let front = section(&md, "## Front desk");
    let recovery = front.lines().find(|l| l.contains("room recovery")).unwrap();
    assert!(
        recovery.contains(
            "loyal guests<br>*loyal guests*: loyalty tier is gold or platinum or nights stayed this year at least 10"
        ),
        "{recovery}"
    );
    assert!(
        recovery.contains(
            "service failure<br>*service failure*: incident is noise, dirty room or late checkin"
        ),
        "{recovery}"
    );
    assert!(front.contains("flagged for abuse"), "{front}");
}

#[test]
fn doc_comments_on_attributes_parameters_and_situations_become_labels() {
    let a = analyze_text(
        "labels.remit",
        r#"currency EUR
customer {
  /// on the watch list.
  watched: Bool
}
context {
  /// hours the flight is late
  late: Duration
}
role agent
action voucher(
  /// value of the voucher
  amount: Money, nights: Int)
/// a long delay
situation long_delay = context.late >= 3 hours
rule vouchers {
  permit agent to voucher
  for not customer.watched
  when long_delay
  limit amount <= 20 EUR
  limit nights <= 2
  limit 1 per customer per 1 day
}
"#,
    );
    assert!(!a.checked.has_errors(), "{:?}", a.diagnostics);
    let md = remit_doc::markdown(&a.checked.model);
    let row = md.lines().find(|l| l.contains("vouchers")).unwrap();
    assert_eq!(
        row,
        "| voucher | **May**: vouchers | not on the watch list \
         | a long delay<br>*a long delay*: hours the flight is late at least 3 hours \
         | value of the voucher up to 20.00 EUR<br>nights up to 2 \
         | at most 1 per customer per 1 day | — | denied, unless another row covers it |"
    );
}

#[test]
fn the_html_page_is_self_contained() {
    for (name, a) in examples() {
        let html = remit_doc::html(&a.checked.model);
        assert!(html.starts_with("<!doctype html>") && html.trim_end().ends_with("</html>"));
        assert!(
            !html.contains("<script") && !html.contains("src=\"http") && !html.contains("url(http"),
            "{name}: the page must not load anything"
        );
        assert_eq!(html.matches("<svg").count(), 1, "{name}");
        for tag in ["table", "tbody", "tr", "section"] {
            assert_eq!(
                html.matches(&format!("<{tag}>")).count()
                    + html.matches(&format!("<{tag} ")).count(),
                html.matches(&format!("</{tag}>")).count(),
                "{name}: unbalanced <{tag}>"
            );
        }
    }
}

/// The part of a page from `start` to the next section of the same kind.
fn section<'a>(page: &'a str, start: &str) -> &'a str {
    let from = page.find(start).unwrap_or_else(|| panic!("no {start}"));
    let rest = &page[from + start.len()..];
    let next = if start.starts_with("##") {
        rest.find("\n## ")
    } else {
        rest.find("<section")
    };
    &rest[..next.unwrap_or(rest.len())]
}

/// A page's text without tags, attributes, link targets or Mermaid ids.
fn visible_text(page: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut in_style = false;
    for line in page.lines() {
        if line.starts_with("<style>") {
            in_style = true;
        }
        if in_style {
            in_style = !line.contains("</style>");
            continue;
        }
        // Mermaid node ids are identifiers by design; labels are in quotes.
        let line = if line.starts_with("  ") && line.contains("-->") {
            line.split('"')
                .skip(1)
                .step_by(2)
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            line.to_string()
        };
        let mut skip_link = 0usize;
        for c in line.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                '(' if out.ends_with(']') => skip_link += 1,
                ')' if skip_link > 0 => skip_link -= 1,
                _ if in_tag || skip_link > 0 => {}
                _ => out.push(c),
            }
        }
        out.push('\n');
    }
    out
}
