//! `remit doc`: the empowerment matrix of the hotel example, as Markdown
//! (snapshot) and HTML (well-formed enough to render; `.ci/run` renders it
//! in headless Chromium and checks the screenshot).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use remit_analysis::doc;
use remit_tests::{analyze_dir, root};

#[test]
fn hotel_matrix_markdown() {
    let a = analyze_dir(&root().join("examples/hotel_front_desk"));
    insta::with_settings!({ snapshot_path => "doc/snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("hotel_front_desk_md", doc::markdown(&a.checked.model));
    });
}

#[test]
fn hotel_matrix_html_is_self_contained() {
    let a = analyze_dir(&root().join("examples/hotel_front_desk"));
    let html = doc::html(&a.checked.model);
    assert!(html.starts_with("<!doctype html>") && html.trim_end().ends_with("</html>"));
    assert!(
        !html.contains("<script") && !html.contains("src=\"http"),
        "the page must not load anything"
    );
    assert_eq!(
        html.matches("<section").count(),
        a.checked.model.roles.len()
    );
    assert_eq!(html.matches("<svg").count(), 1);
    // Every escalation edge of the policy is drawn.
    for label in ["refund, waive_fee", "comp_meal, refund"] {
        assert!(html.contains(label), "missing edge label {label}");
    }
}
