//! The front end's diagnostics on a corpus of broken files
//! (`tests/check/*.remit`, each a single-file policy whose first line says
//! what it must report), as insta snapshots.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use remit_tests::{analyze_file, analyze_text, remit_files, rendered};

#[test]
fn every_broken_file_reports_exactly_its_snapshot() {
    let files = remit_files("tests/check");
    assert!(
        files.len() >= 30,
        "the corpus has {} cases; it needs at least 30",
        files.len()
    );
    for file in files {
        let analysis = analyze_file(&file);
        assert!(
            analysis.has_errors(),
            "{} reports no error:\n{}",
            file.display(),
            rendered(&analysis)
        );
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        insta::with_settings!({ snapshot_path => "check/snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, rendered(&analysis));
        });
    }
}

#[test]
fn two_syntax_errors_and_a_type_error_are_all_reported() {
    let text = "currency USD\nrole clerk\naction refund(amount: Money)\n\
        rule a {\n  permit clerk refund\n  for any customer\n}\n\
        rule b {\n  permit clerk to refund\n  for any customer\n  limit amount <=\n}\n\
        rule c {\n  permit clerk to refund\n  for any customer\n  limit amount <= 5 days\n}\n";
    let analysis = analyze_text("three.remit", text);
    let codes: Vec<&str> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code.name)
        .collect();
    assert_eq!(
        codes,
        vec!["syntax_error", "syntax_error", "wrong_unit"],
        "{}",
        rendered(&analysis)
    );
}
