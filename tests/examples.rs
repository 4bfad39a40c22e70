//! Every bundled example checks clean, passes its own tests, compiles to
//! the snapshotted table, and compiles deterministically; every `remit`
//! block of the language spec compiles as written.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use remit_analysis::testing::run_tests;
use remit_diagnostics::Sources;
use remit_tests::{analyze_dir, analyze_text, example_dirs, rendered, root};

#[test]
fn every_example_is_clean_and_its_tests_pass() {
    let dirs = example_dirs();
    assert!(
        dirs.len() >= 5,
        "expected at least five examples, found {}",
        dirs.len()
    );
    for dir in dirs {
        let analysis = analyze_dir(&dir);
        // Rules with version 1.1 forms get `analysis_incomplete` until the
        // lints cover them (LANGUAGE.md §8.7); nothing else may be said.
        assert!(
            analysis
                .diagnostics
                .iter()
                .all(|d| d.code == remit_diagnostics::Code::ANALYSIS_INCOMPLETE),
            "{}:\n{}",
            dir.display(),
            rendered(&analysis)
        );
        let results = run_tests(&analysis.checked.model, &analysis.lowered.table).unwrap();
        assert!(
            results.len() >= 8,
            "{} has {} tests; every example needs at least 8",
            dir.display(),
            results.len()
        );
        for r in &results {
            assert!(
                r.passed,
                "{}: test `{}` expected {}, got {}",
                dir.display(),
                r.name,
                r.expected,
                r.actual
            );
        }
    }
}

#[test]
fn compiled_tables_match_their_snapshots() {
    for dir in example_dirs() {
        let analysis = analyze_dir(&dir);
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        insta::with_settings!({ snapshot_path => "examples/snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_json_snapshot!(name, analysis.lowered.table);
        });
    }
}

#[test]
fn builds_are_deterministic_and_the_digest_ignores_layout() {
    for dir in example_dirs() {
        let a = analyze_dir(&dir);
        let b = analyze_dir(&dir);
        let ja = serde_json::to_string_pretty(&a.lowered.table).unwrap();
        let jb = serde_json::to_string_pretty(&b.lowered.table).unwrap();
        assert_eq!(ja, jb, "{} builds differently twice", dir.display());
        // All the files concatenated into one, in reverse order: same meaning.
        let mut joined = String::new();
        for (_, f) in a.sources.iter().collect::<Vec<_>>().into_iter().rev() {
            joined.push_str(f.text());
            joined.push('\n');
        }
        let mut sources = Sources::new();
        sources.add("all.remit", joined);
        let c = remit_analysis::analyze(
            sources,
            &a.checked.model.name,
            &remit_diagnostics::LintLevels::new(),
        );
        assert_eq!(
            a.lowered.table.digest,
            c.lowered.table.digest,
            "{}: moving rules between files changed the digest",
            dir.display()
        );
    }
}

#[test]
fn every_spec_example_compiles_as_written() {
    let spec = root().join("../shared/spec/LANGUAGE.md");
    let Ok(text) = std::fs::read_to_string(&spec) else {
        eprintln!(
            "note: {} is not beside the repository; skipping",
            spec.display()
        );
        return;
    };
    // Version 1.1 (§8) has its own suite (`language_1_1`): its examples
    // are fragments that need declarations around them.
    let (v1, _) = text.split_once("\n## 8.").unwrap_or((&text, ""));
    fn blocks(t: &str) -> Vec<&str> {
        t.split("```remit\n")
            .skip(1)
            .filter_map(|b| b.split("```").next())
            .collect()
    }
    let blocks = blocks(v1);
    assert!(!blocks.is_empty());
    for block in blocks {
        let analysis = analyze_text("spec.remit", block);
        assert!(analysis.diagnostics.is_empty(), "{}", rendered(&analysis));
        let results = run_tests(&analysis.checked.model, &analysis.lowered.table).unwrap();
        assert!(
            results.iter().all(|r| r.passed),
            "{:?}",
            results
                .iter()
                .map(|r| (&r.name, &r.actual))
                .collect::<Vec<_>>()
        );
    }
}
