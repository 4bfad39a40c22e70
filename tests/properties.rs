//! Property tests: nothing panics on any input, and evaluating the lowered
//! table agrees with a direct interpretation of the checked policy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use remit_table::{Evaluator, Outcome};
use remit_tests::interpret;
use remit_tests::requests::{random_request, Counters, Rng};
use remit_tests::{analyze_dir, analyze_text, example_dirs};

/// Everything but the keywords, which come from the lexer's own list.
const PUNCTUATION_AND_NAMES: &[&str] = &[
    "{", "}", "(", ")", ",", ":", ".", "=", "==", "!=", "<", "<=", ">", ">=", "@", "allow", "x",
    "amount", "USD", "days", "30", "1_000", "49.99", "\"s\"", "Int", "Money", "Set", "Bool",
    "// c\n", "/// d\n",
];

fn vocabulary() -> Vec<&'static str> {
    remit_syntax::KEYWORDS
        .iter()
        .chain(PUNCTUATION_AND_NAMES)
        .copied()
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = analyze_text("fuzz.remit", &text);
    }

    #[test]
    fn arbitrary_token_sequences_never_panic(tokens in prop::collection::vec(prop::sample::select(vocabulary()), 0..120)) {
        let _ = analyze_text("tokens.remit", &tokens.join(" "));
    }
}

#[test]
fn ten_thousand_nested_parentheses_are_a_diagnostic() {
    let text = format!(
        "segment s = {}true{}\n",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    let a = analyze_text("deep.remit", &text);
    assert!(
        a.diagnostics
            .iter()
            .any(|d| d.code.name == "nesting_too_deep"),
        "{:?}",
        a.diagnostics
    );
}

#[test]
fn lowering_agrees_with_the_meaning_of_every_example() {
    let dirs = example_dirs();
    assert!(!dirs.is_empty(), "no examples found");
    for dir in dirs {
        let analysis = analyze_dir(&dir);
        assert!(!analysis.has_errors(), "{} has errors", dir.display());
        let model = &analysis.checked.model;
        let table = &analysis.lowered.table;
        let evaluator = Evaluator::from_document(table.clone()).unwrap();
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
            cases: 2000,
            ..ProptestConfig::default()
        });
        runner
            .run(&any::<u64>(), |seed| {
                let mut rng = Rng(seed | 1);
                let request = random_request(&mut rng, model, table);
                let decision = evaluator.decide(&request);
                prop_assert!(decision.errors.is_empty(), "errors: {:?}", decision.errors);
                let expected = interpret::decide(
                    model,
                    &request,
                    &Counters(request["usage"].as_object().unwrap()),
                );
                let actual = match decision.decision {
                    Outcome::Permit => "permit",
                    Outcome::Escalate => "escalate",
                    _ => "deny",
                };
                prop_assert_eq!(actual, expected.decision.as_str(), "request {}", request);
                prop_assert_eq!(
                    &decision.escalate_to,
                    &expected.escalate_to,
                    "request {}",
                    request
                );
                prop_assert_eq!(
                    &decision.obligations,
                    &expected.obligations,
                    "request {}",
                    request
                );
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    }
}
