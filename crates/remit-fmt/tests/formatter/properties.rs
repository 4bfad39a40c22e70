//! Property tests on generated policies: random but valid Remit, with
//! random whitespace and comments between its tokens. Formatting never
//! fails on it, is idempotent, keeps every comment (the multiset of comment
//! texts is unchanged) and keeps the syntax tree (modulo spans and the
//! canonical order of clauses and test lines).

use proptest::prelude::*;
use proptest::sample::select;

/// Generated tokens, in order; `None` marks the start of an item, where a
/// doc comment may go.
type Tokens = Vec<Option<String>>;

const NAMES: &[&str] = &[
    "a",
    "b",
    "gold",
    "front_desk",
    "refund",
    "amount",
    "tier",
    "x1",
    "USD",
    "days",
    "Set",
    "allow",
    "a_rather_long_identifier_that_pushes_lines_over_the_limit",
    "another_fairly_long_attribute_name",
];

const STRINGS: &[&str] = &[
    "\"s\"",
    "\"with \\\"quotes\\\"\"",
    "\"back\\\\slash\"",
    "\"two  spaces\"",
    "\"\"",
];

fn toks(parts: &[&str]) -> Tokens {
    parts.iter().map(|s| Some((*s).to_string())).collect()
}

fn name() -> BoxedStrategy<Tokens> {
    select(NAMES).prop_map(|n| toks(&[n])).boxed()
}

fn names(max: usize) -> BoxedStrategy<Tokens> {
    prop::collection::vec(select(NAMES), 1..=max)
        .prop_map(|v| {
            let mut out = Tokens::new();
            for (i, n) in v.into_iter().enumerate() {
                if i > 0 {
                    out.push(Some(",".into()));
                }
                out.push(Some(n.into()));
            }
            out
        })
        .boxed()
}

fn names_or_any() -> BoxedStrategy<Tokens> {
    prop_oneof![1 => Just(toks(&["any"])), 4 => names(3)].boxed()
}

fn number() -> BoxedStrategy<Tokens> {
    select(&["0", "1", "30", "1_000", "49.99", "100"][..])
        .prop_map(|n| toks(&[n]))
        .boxed()
}

fn quantity() -> BoxedStrategy<Tokens> {
    (
        number(),
        prop::option::of(select(&["USD", "days", "minutes", "week", "hours"][..])),
    )
        .prop_map(|(mut n, unit)| {
            n.extend(unit.map(|u| Some(u.to_string())));
            n
        })
        .boxed()
}

fn path() -> BoxedStrategy<Tokens> {
    prop_oneof![
        select(NAMES).prop_map(|n| toks(&["customer", ".", n])),
        select(NAMES).prop_map(|n| toks(&["context", ".", n])),
        name(),
    ]
    .boxed()
}

fn operand() -> BoxedStrategy<Tokens> {
    prop_oneof![
        3 => path(),
        2 => quantity(),
        1 => select(&["true", "false"][..]).prop_map(|b| toks(&[b])),
    ]
    .boxed()
}

fn set() -> BoxedStrategy<Tokens> {
    prop::collection::vec(select(NAMES), 0..4)
        .prop_map(|v| {
            let mut out = toks(&["{"]);
            for (i, n) in v.into_iter().enumerate() {
                if i > 0 {
                    out.push(Some(",".into()));
                }
                out.push(Some(n.into()));
            }
            out.push(Some("}".into()));
            out
        })
        .boxed()
}

/// The precedence level of a generated expression: 0 an `or` chain, 1 an
/// `and` chain, 2 an atom or a `not`.
type Expr = (u8, Tokens);

fn leaf() -> BoxedStrategy<Expr> {
    let cmp = select(&["==", "!=", "<", "<=", ">", ">="][..]);
    prop_oneof![
        (operand(), cmp, operand()).prop_map(|(mut l, op, r)| {
            l.push(Some(op.into()));
            l.extend(r);
            (2, l)
        }),
        (operand(), any::<bool>(), set()).prop_map(|(mut l, negated, s)| {
            if negated {
                l.push(Some("not".into()));
            }
            l.push(Some("in".into()));
            l.extend(s);
            (2, l)
        }),
        (operand(), operand()).prop_map(|(mut l, r)| {
            l.push(Some("contains".into()));
            l.extend(r);
            (2, l)
        }),
        path().prop_map(|p| (2, p)),
        select(&["true", "false"][..]).prop_map(|b| (2, toks(&[b]))),
    ]
    .boxed()
}

fn paren(e: Tokens) -> Tokens {
    let mut out = toks(&["("]);
    out.extend(e);
    out.push(Some(")".into()));
    out
}

/// Joins operands with `op`, parenthesising those of a lower level.
fn chain(op: &str, level: u8, operands: Vec<Expr>) -> Expr {
    let mut out = Tokens::new();
    for (i, (l, t)) in operands.into_iter().enumerate() {
        if i > 0 {
            out.push(Some(op.into()));
        }
        if l < level {
            out.extend(paren(t));
        } else {
            out.extend(t);
        }
    }
    (level, out)
}

fn expr() -> BoxedStrategy<Tokens> {
    leaf()
        .prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..5).prop_map(|v| chain("or", 0, v)),
                prop::collection::vec(inner.clone(), 2..5).prop_map(|v| chain("and", 1, v)),
                inner.clone().prop_map(|(l, t)| {
                    let mut out = toks(&["not"]);
                    out.extend(if l < 2 { paren(t) } else { t });
                    (2, out)
                }),
                inner.prop_map(|(_, t)| (2, paren(t))),
            ]
        })
        .prop_map(|(_, t)| t)
        .boxed()
}

fn string() -> BoxedStrategy<Tokens> {
    select(STRINGS).prop_map(|s| toks(&[s])).boxed()
}

fn type_expr() -> BoxedStrategy<Tokens> {
    prop_oneof![
        select(&["Int", "Bool", "Money", "Duration", "Tier"][..]).prop_map(|t| toks(&[t])),
        select(NAMES).prop_map(|t| toks(&["Set", "<", t, ">"])),
    ]
    .boxed()
}

/// `a: T` items, with optional commas (`Loose` in the grammar).
fn loose<T: Strategy<Value = Tokens> + 'static>(item: T, max: usize) -> BoxedStrategy<Tokens> {
    prop::collection::vec((item, any::<bool>()), 0..=max)
        .prop_map(|v| {
            let mut out = Tokens::new();
            for (t, comma) in v {
                out.extend(t);
                if comma {
                    out.push(Some(",".into()));
                }
            }
            out
        })
        .boxed()
}

/// Comma-separated, with an optional trailing comma.
fn commas<T: Strategy<Value = Tokens> + 'static>(item: T, max: usize) -> BoxedStrategy<Tokens> {
    (prop::collection::vec(item, 0..=max), any::<bool>())
        .prop_map(|(v, trailing)| {
            let mut out = Tokens::new();
            let count = v.len();
            for (i, t) in v.into_iter().enumerate() {
                out.extend(t);
                if i + 1 < count || trailing {
                    out.push(Some(",".into()));
                }
            }
            out
        })
        .boxed()
}

fn field() -> BoxedStrategy<Tokens> {
    (name(), type_expr())
        .prop_map(|(mut n, t)| {
            n.push(Some(":".into()));
            n.extend(t);
            n
        })
        .boxed()
}

fn keyword_then(kw: &'static [&'static str], rest: Tokens) -> Tokens {
    let mut out: Tokens = vec![None];
    out.extend(toks(kw));
    out.extend(rest);
    out
}

fn declaration() -> BoxedStrategy<Tokens> {
    prop_oneof![
        (name(), prop::option::of(string())).prop_map(|(mut n, v)| {
            if let Some(v) = v {
                n.push(Some("version".into()));
                n.extend(v);
            }
            keyword_then(&["policy"], n)
        }),
        Just(keyword_then(&["currency", "USD"], vec![])),
        (name(), loose(name(), 12)).prop_map(|(mut n, v)| {
            n.push(Some("{".into()));
            n.extend(v);
            n.push(Some("}".into()));
            keyword_then(&["enum"], n)
        }),
        (select(&["customer", "context"][..]), loose(field(), 4)).prop_map(|(kw, f)| {
            let mut out: Tokens = vec![None, Some(kw.into()), Some("{".into())];
            out.extend(f);
            out.push(Some("}".into()));
            out
        }),
        (name(), prop::option::of(names(3))).prop_map(|(mut n, e)| {
            if let Some(e) = e {
                n.push(Some("extends".into()));
                n.extend(e);
            }
            keyword_then(&["role"], n)
        }),
        (name(), prop::option::of(commas(field(), 3))).prop_map(|(mut n, p)| {
            if let Some(p) = p {
                n.push(Some("(".into()));
                n.extend(p);
                n.push(Some(")".into()));
            }
            keyword_then(&["action"], n)
        }),
        (name(), prop::option::of(string())).prop_map(|(mut n, d)| {
            n.extend(d.unwrap_or_default());
            keyword_then(&["obligation"], n)
        }),
        (select(&["segment", "situation"][..]), name(), expr()).prop_map(|(kw, mut n, e)| {
            n.push(Some("=".into()));
            n.extend(e);
            let mut out: Tokens = vec![None, Some(kw.into())];
            out.extend(n);
            out
        }),
    ]
    .boxed()
}

fn effect() -> BoxedStrategy<Tokens> {
    prop_oneof![
        (
            select(&["permit", "forbid"][..]),
            names_or_any(),
            names_or_any()
        )
            .prop_map(|(kw, mut r, a)| {
                r.insert(0, Some(kw.into()));
                r.push(Some("to".into()));
                r.extend(a);
                r
            }),
        (names_or_any(), names_or_any(), name()).prop_map(|(a, r, t)| {
            let mut out = toks(&["escalate"]);
            out.extend(a);
            out.push(Some("from".into()));
            out.extend(r);
            out.push(Some("to".into()));
            out.extend(t);
            out
        }),
    ]
    .boxed()
}

fn clause() -> BoxedStrategy<Tokens> {
    let who = || select(&["customer", "employee"][..]);
    prop_oneof![
        Just(toks(&["for", "any", "customer"])),
        expr().prop_map(|e| {
            let mut out = toks(&["for"]);
            out.extend(e);
            out
        }),
        expr().prop_map(|e| {
            let mut out = toks(&["when"]);
            out.extend(e);
            out
        }),
        (name(), select(&["<=", "<"][..]), quantity()).prop_map(|(n, op, q)| {
            let mut out = toks(&["limit"]);
            out.extend(n);
            out.push(Some(op.into()));
            out.extend(q);
            out
        }),
        (number(), who(), quantity()).prop_map(|(n, w, q)| {
            let mut out = toks(&["limit"]);
            out.extend(n);
            out.extend(toks(&["per", w, "per"]));
            out.extend(q);
            out
        }),
        (quantity(), who(), quantity()).prop_map(|(m, w, q)| {
            let mut out = toks(&["limit", "total"]);
            out.extend(m);
            out.extend(toks(&["per", w, "per"]));
            out.extend(q);
            out
        }),
        names(3).prop_map(|n| {
            let mut out = toks(&["require"]);
            out.extend(n);
            out
        }),
        names(3).prop_map(|n| {
            let mut out = toks(&["notify"]);
            out.extend(n);
            out
        }),
        name().prop_map(|n| {
            let mut out = toks(&["otherwise", "escalate", "to"]);
            out.extend(n);
            out
        }),
    ]
    .boxed()
}

fn annotation() -> BoxedStrategy<Tokens> {
    (select(&["allow", "deny"][..]), commas(name(), 3))
        .prop_map(|(a, l)| {
            let mut out = toks(&["@", a, "("]);
            out.extend(l);
            out.push(Some(")".into()));
            out
        })
        .boxed()
}

fn rule() -> BoxedStrategy<Tokens> {
    (
        prop::collection::vec(annotation(), 0..3),
        name(),
        effect(),
        prop::collection::vec(clause(), 0..7),
    )
        .prop_map(|(annotations, n, e, clauses)| {
            let mut out: Tokens = vec![None];
            for a in annotations {
                out.extend(a);
            }
            out.push(Some("rule".into()));
            out.extend(n);
            out.push(Some("{".into()));
            out.extend(e);
            for c in clauses {
                out.extend(c);
            }
            out.push(Some("}".into()));
            out
        })
        .boxed()
}

fn value() -> BoxedStrategy<Tokens> {
    prop_oneof![
        quantity(),
        select(&["true", "false"][..]).prop_map(|b| toks(&[b])),
        name(),
        set(),
    ]
    .boxed()
}

fn field_value() -> BoxedStrategy<Tokens> {
    (name(), value())
        .prop_map(|(mut n, v)| {
            n.push(Some(":".into()));
            n.extend(v);
            n
        })
        .boxed()
}

fn braced(kw: &'static [&'static str], body: Tokens) -> Tokens {
    let mut out = toks(kw);
    out.push(Some("{".into()));
    out.extend(body);
    out.push(Some("}".into()));
    out
}

fn test_entry() -> BoxedStrategy<Tokens> {
    let history_entry = (
        name(),
        prop::option::of(quantity()),
        number(),
        select(&["days", "hours", "week"][..]),
    )
        .prop_map(|(mut a, amount, n, unit)| {
            a.extend(amount.unwrap_or_default());
            a.extend(n);
            a.extend(toks(&[unit, "ago"]));
            a
        });
    prop_oneof![
        name().prop_map(|n| {
            let mut out = toks(&["role"]);
            out.extend(n);
            out
        }),
        (name(), prop::option::of(commas(field_value(), 3))).prop_map(|(n, p)| {
            let mut out = toks(&["action"]);
            out.extend(n);
            if let Some(p) = p {
                out.push(Some("{".into()));
                out.extend(p);
                out.push(Some("}".into()));
            }
            out
        }),
        commas(field_value(), 6).prop_map(|f| braced(&["customer"], f)),
        commas(field_value(), 6).prop_map(|f| braced(&["context"], f)),
        loose(history_entry, 4).prop_map(|h| braced(&["history"], h)),
        prop::option::of(names(3)).prop_map(|r| {
            let mut out = toks(&["expect", "permit"]);
            if let Some(r) = r {
                out.push(Some("requiring".into()));
                out.extend(r);
            }
            out
        }),
        Just(toks(&["expect", "deny"])),
        name().prop_map(|n| {
            let mut out = toks(&["expect", "escalate", "to"]);
            out.extend(n);
            out
        }),
    ]
    .boxed()
}

fn test_item() -> BoxedStrategy<Tokens> {
    (string(), prop::collection::vec(test_entry(), 0..7))
        .prop_map(|(s, entries)| {
            let mut out: Tokens = vec![None, Some("test".into())];
            out.extend(s);
            out.push(Some("{".into()));
            for e in entries {
                out.extend(e);
            }
            out.push(Some("}".into()));
            out
        })
        .boxed()
}

/// An item with annotations (which the parser takes before any item).
fn annotated(item: BoxedStrategy<Tokens>) -> BoxedStrategy<Tokens> {
    (prop::collection::vec(annotation(), 0..2), item)
        .prop_map(|(annotations, mut item)| {
            // After the item's `None` marker.
            let rest = item.split_off(1);
            for a in annotations {
                item.extend(a);
            }
            item.extend(rest);
            item
        })
        .boxed()
}

fn policy() -> BoxedStrategy<Tokens> {
    prop::collection::vec(
        prop_oneof![
            3 => declaration(),
            1 => annotated(declaration()),
            3 => rule(),
            1 => test_item(),
            1 => annotated(test_item()),
        ],
        0..8,
    )
    .prop_map(|items| items.into_iter().flatten().collect())
    .boxed()
}

/// What goes between two tokens.
const SEPARATORS: &[&str] = &[
    " ",
    " ",
    " ",
    " ",
    " ",
    " ",
    "\n",
    "\n  ",
    "\n\t",
    "   ",
    "\n\n",
    "\n\n\n\n",
    " \t ",
    " // T\n",
    "\n// O\n",
    "\n  //  O spaced   \n",
    "\n\n// O\n\n",
    " //// T\n",
    " //\n",
];

/// More separators, with `///` comments that are not before an item.
const STRAY_DOCS: &[&str] = &[" ", "\n", " /// T\n", "\n/// O\n", "\n\n/// O\n"];

/// What may go before an item.
const DOCS: &[&str] = &["", "", "", "/// D\n", "/// D\n/// D2\n", "\n/// D\n\n"];

/// Renders tokens with the chosen separators; comments are numbered so
/// that a misplaced one is easy to spot.
fn render(tokens: &Tokens, choices: &[u8]) -> String {
    render_with(tokens, choices, SEPARATORS)
}

/// [`render`] with another set of separators.
fn render_with(tokens: &Tokens, choices: &[u8], separators: &[&str]) -> String {
    let mut out = String::new();
    let mut n = 0usize;
    let pick = |i: usize, len: usize| -> usize {
        usize::from(choices.get(i % choices.len().max(1)).copied().unwrap_or(0)) % len
    };
    for (i, token) in tokens.iter().enumerate() {
        match token {
            None => {
                let doc = DOCS[pick(i * 7 + 3, DOCS.len())];
                if !doc.is_empty() {
                    n += 1;
                    out.push_str(&doc.replace('D', &format!("doc{n}")));
                }
            }
            Some(t) => {
                out.push_str(t);
                let sep = separators[pick(i, separators.len())];
                n += 1;
                out.push_str(
                    &sep.replace('T', &format!("trailing{n}"))
                        .replace('O', &format!("own{n}")),
                );
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn formatting_generated_policies_keeps_everything(
        tokens in policy(),
        choices in prop::collection::vec(any::<u8>(), 1..64),
    ) {
        let source = render(&tokens, &choices);
        // `check_format` asserts: no error, idempotent, same tree, same
        // comments, layout rules.
        crate::common::check_format(&source);
    }

    /// A `///` comment that is not right before an item documents
    /// nothing; the formatter keeps it, but where it lands before an item
    /// it documents that item, so only the doc strings may differ.
    #[test]
    fn stray_doc_comments_are_kept(
        tokens in policy(),
        choices in prop::collection::vec(any::<u8>(), 1..64),
    ) {
        let source = render_with(&tokens, &choices, STRAY_DOCS);
        crate::common::check_format_ignoring_docs(&source);
    }

    #[test]
    fn line_endings_do_not_matter(
        tokens in policy(),
        choices in prop::collection::vec(any::<u8>(), 1..64),
    ) {
        let source = render(&tokens, &choices);
        let unix = remit_fmt::format_source(&source).unwrap();
        let windows = remit_fmt::format_source(&source.replace('\n', "\r\n")).unwrap();
        prop_assert_eq!(windows, unix);
    }

    #[test]
    fn formatting_tidy_generated_policies_is_stable(tokens in policy()) {
        let source = render(&tokens, &[0]);
        let once = crate::common::check_format(&source);
        prop_assert_eq!(crate::common::check_format(&once), once);
    }
}

#[test]
fn the_renderer_produces_valid_remit() {
    let tokens = keyword_then(&["role", "a"], vec![]);
    let source = render(&tokens, &[13]);
    assert_eq!(source, "role // trailing1\na // trailing2\n");
    crate::common::check_format(&source);
}
