//! The formatter preserves meaning: for every example policy and every
//! corpus file that compiles, the compiled table's digest after formatting
//! equals the digest before, and formatting is a fixed point on the
//! examples.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use remit_diagnostics::{LintLevels, Sources};
use remit_tests::{analyze_text, example_dirs, remit_files};

fn digest_of(files: &[(String, String)], name: &str) -> Option<String> {
    let mut sources = Sources::new();
    for (n, t) in files {
        sources.add(n.clone(), t.clone());
    }
    let a = remit_analysis::analyze(sources, name, &LintLevels::new());
    (!a.checked.has_errors()).then(|| a.lowered.table.digest.clone())
}

#[test]
fn formatting_examples_keeps_their_digest_and_is_a_fixed_point() {
    for dir in example_dirs() {
        let files: Vec<(String, String)> = remit_analysis::workspace::policy_files(&dir)
            .unwrap()
            .into_iter()
            .map(|f| {
                (
                    f.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read_to_string(&f).unwrap(),
                )
            })
            .collect();
        let formatted: Vec<(String, String)> = files
            .iter()
            .map(|(n, t)| (n.clone(), remit_fmt::format_source(t).unwrap()))
            .collect();
        for ((name, before), (_, after)) in files.iter().zip(&formatted) {
            assert_eq!(
                before,
                after,
                "{}/{name} is not in the canonical layout",
                dir.display()
            );
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(
            digest_of(&files, &name),
            digest_of(&formatted, &name),
            "{}",
            dir.display()
        );
    }
}

#[test]
fn formatting_corpus_files_that_compile_keeps_their_digest() {
    let mut compared = 0;
    for file in remit_files("tests/lints")
        .into_iter()
        .chain(remit_files("tests/check"))
    {
        let text = std::fs::read_to_string(&file).unwrap();
        if analyze_text("x.remit", &text).checked.has_errors() {
            continue;
        }
        let formatted = remit_fmt::format_source(&text).unwrap();
        assert_eq!(
            remit_fmt::format_source(&formatted).unwrap(),
            formatted,
            "{}: not idempotent",
            file.display()
        );
        let before = digest_of(&[("x.remit".into(), text)], "x");
        let after = digest_of(&[("x.remit".into(), formatted)], "x");
        assert_eq!(
            before,
            after,
            "{}: formatting changed what it decides",
            file.display()
        );
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} corpus files compiled");
}
