//! Regions of requests: boxes of per-input constraints, and the operations
//! the lints need (disjointness, subtraction, coverage with a witness).
//!
//! A box is a table row's `scope` (optionally with its `limits`): a map
//! from input key or counter id to a constraint; a missing key is
//! unconstrained. Counters are never negative.

mod omega;
pub mod zone;

use remit_sema::lower::{conjoin, intersect};
use remit_table::{BoolEq, Constraint, InSet, Interval, SetTest, Table};

/// A box of requests: the lowering's conjunction of per-input constraints
/// (one type, one algebra: [`meet`] is `remit_sema::lower::conjoin`).
pub type Region = remit_sema::lower::Conjunction;

/// How many subtraction steps a coverage question may take before it is
/// abandoned: the box-only [`uncovered`] then answers "covered" (no
/// finding), the exact [`zone::uncovered`] answers [`zone::Incomplete`].
pub const COVERAGE_BUDGET: usize = 20_000;

/// For each limit and budget of a row, the requests that break it: the
/// places where a permit's `otherwise` escalates.
pub fn limit_broken(row: &remit_table::Row) -> Vec<Region> {
    let above = |key: &String, max: i64| {
        Region::from([(
            key.clone(),
            Constraint::Interval(Interval {
                min: max.checked_add(1),
                max: None,
            }),
        )])
    };
    let mut out = Vec::new();
    for (key, c) in &row.limits {
        if let Constraint::Interval(Interval { max: Some(m), .. }) = c {
            out.push(above(key, *m));
        }
    }
    for b in &row.budgets {
        out.push(above(&b.counter, b.max));
    }
    out
}

/// Whether two constraints on one input share no value. Allocation-free.
pub fn constraints_disjoint(a: &Constraint, b: &Constraint) -> bool {
    match (a, b) {
        (Constraint::Interval(x), Constraint::Interval(y)) => {
            let lo = max_opt(x.min, y.min);
            let hi = min_opt(x.max, y.max);
            matches!((lo, hi), (Some(l), Some(h)) if l > h)
        }
        (Constraint::In(x), Constraint::In(y)) => !x.values.iter().any(|v| y.values.contains(v)),
        (Constraint::Eq(x), Constraint::Eq(y)) => x.eq != y.eq,
        (Constraint::Set(x), Constraint::Set(y)) => {
            let hits = |c: &Option<Vec<String>>, e: &Option<Vec<String>>| {
                c.iter()
                    .flatten()
                    .any(|v| e.iter().flatten().any(|w| w == v))
            };
            hits(&x.contains, &y.excludes) || hits(&y.contains, &x.excludes)
        }
        _ => false,
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// Whether two regions share no request. Allocation-free.
pub fn disjoint(a: &Region, b: &Region) -> bool {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small
        .iter()
        .any(|(k, c)| large.get(k).is_some_and(|d| constraints_disjoint(c, d)))
}

/// The intersection of two regions, or `None` when empty.
pub fn meet(a: &Region, b: &Region) -> Option<Region> {
    conjoin(a, b)
}

/// Whether `inner` lies inside `outer`.
pub fn contains(outer: &Region, inner: &Region) -> bool {
    outer.iter().all(|(k, c)| match inner.get(k) {
        None => false,
        Some(d) => constraint_within(d, c),
    })
}

fn constraint_within(inner: &Constraint, outer: &Constraint) -> bool {
    match (inner, outer) {
        (Constraint::Interval(i), Constraint::Interval(o)) => {
            let lo_ok = match (o.min, i.min) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(om), Some(im)) => im >= om,
            };
            let hi_ok = match (o.max, i.max) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(om), Some(im)) => im <= om,
            };
            lo_ok && hi_ok
        }
        (Constraint::In(i), Constraint::In(o)) => i.values.iter().all(|v| o.values.contains(v)),
        (Constraint::Eq(i), Constraint::Eq(o)) => i.eq == o.eq,
        (Constraint::Set(i), Constraint::Set(o)) => {
            let sub = |a: &Option<Vec<String>>, b: &Option<Vec<String>>| {
                a.iter()
                    .flatten()
                    .all(|v| b.iter().flatten().any(|w| w == v))
            };
            sub(&o.contains, &i.contains) && sub(&o.excludes, &i.excludes)
        }
        _ => false,
    }
}

/// Constraints whose union is everything a constraint excludes (within the
/// input's domain, taken from the table).
pub(crate) fn complement(key: &str, c: &Constraint, table: &Table) -> Vec<Constraint> {
    match c {
        Constraint::Interval(i) => {
            let mut out = Vec::new();
            if let Some(min) = i.min.and_then(|m| m.checked_sub(1)) {
                out.push(Constraint::Interval(Interval {
                    min: None,
                    max: Some(min),
                }));
            }
            if let Some(max) = i.max.and_then(|m| m.checked_add(1)) {
                out.push(Constraint::Interval(Interval {
                    min: Some(max),
                    max: None,
                }));
            }
            out
        }
        Constraint::In(set) => {
            let all = table
                .inputs
                .get(key)
                .and_then(|i| i.values.clone())
                .unwrap_or_default();
            let rest: Vec<String> = all
                .into_iter()
                .filter(|v| !set.values.contains(v))
                .collect();
            if rest.is_empty() {
                Vec::new()
            } else {
                vec![Constraint::In(InSet { values: rest })]
            }
        }
        Constraint::Eq(b) => vec![Constraint::Eq(BoolEq { eq: !b.eq })],
        Constraint::Set(s) => {
            let mut out = Vec::new();
            for v in s.contains.iter().flatten() {
                out.push(Constraint::Set(SetTest {
                    contains: None,
                    excludes: Some(vec![v.clone()]),
                }));
            }
            for v in s.excludes.iter().flatten() {
                out.push(Constraint::Set(SetTest {
                    contains: Some(vec![v.clone()]),
                    excludes: None,
                }));
            }
            out
        }
    }
}

/// `x` minus `y`, as regions whose union is the difference.
pub fn subtract(x: &Region, y: &Region, table: &Table) -> Vec<Region> {
    if disjoint(x, y) {
        return vec![x.clone()];
    }
    let mut pieces = Vec::new();
    let mut current = x.clone();
    for (k, c) in y {
        for comp in complement(k, c, table) {
            let mut piece = current.clone();
            let merged = match piece.get(k) {
                Some(existing) => intersect(existing, &comp),
                None => Some(comp),
            };
            if let Some(m) = merged {
                piece.insert(k.clone(), m);
                pieces.push(piece);
            }
        }
        let narrowed = match current.get(k) {
            Some(existing) => intersect(existing, c),
            None => Some(c.clone()),
        };
        match narrowed {
            Some(n) => {
                current.insert(k.clone(), n);
            }
            None => return vec![x.clone()],
        }
    }
    pieces
}

/// A part of `x` that no region of `cover` touches, if there is one.
/// Returns `None` when `x` is covered, or when the question needs more
/// than [`COVERAGE_BUDGET`] steps (no finding rather than a guess).
pub fn uncovered(x: &Region, cover: &[&Region], table: &Table) -> Option<Region> {
    let mut budget = COVERAGE_BUDGET;
    uncovered_in(x, cover, table, &mut budget)
}

fn uncovered_in(
    x: &Region,
    cover: &[&Region],
    table: &Table,
    budget: &mut usize,
) -> Option<Region> {
    if *budget == 0 {
        return None;
    }
    *budget -= 1;
    for (i, y) in cover.iter().enumerate() {
        if disjoint(x, y) {
            continue;
        }
        for piece in subtract(x, y, table) {
            if let Some(w) = uncovered_in(&piece, &cover[i + 1..], table, budget) {
                return Some(w);
            }
            if *budget == 0 {
                return None;
            }
        }
        return None;
    }
    Some(x.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        serde_json::from_value(serde_json::json!({
            "format": "remit.table/1", "policy": {"name": "t", "version": null}, "digest": "", "currency": null,
            "default": {"effect": "deny"}, "roles": {}, "actions": {}, "counters": {}, "obligations": {}, "rows": [],
            "inputs": {"x": {"type": "int"}, "e": {"type": "enum", "values": ["a", "b", "c"]}}
        }))
        .unwrap()
    }

    fn iv(min: Option<i64>, max: Option<i64>) -> Constraint {
        Constraint::Interval(Interval { min, max })
    }

    #[test]
    fn touching_intervals_are_disjoint_overlapping_are_not() {
        let a = Region::from([("x".to_string(), iv(None, Some(50)))]);
        let b = Region::from([("x".to_string(), iv(Some(51), None))]);
        let c = Region::from([("x".to_string(), iv(Some(50), None))]);
        assert!(disjoint(&a, &b));
        assert!(!disjoint(&a, &c));
    }

    #[test]
    fn coverage_finds_the_gap() {
        let t = table();
        let x = Region::from([("x".to_string(), iv(Some(0), Some(100)))]);
        let y1 = Region::from([("x".to_string(), iv(None, Some(40)))]);
        let y2 = Region::from([("x".to_string(), iv(Some(60), None))]);
        let gap = uncovered(&x, &[&y1, &y2], &t).expect("a gap");
        assert_eq!(gap.get("x"), Some(&iv(Some(41), Some(59))));
        let y3 = Region::from([("x".to_string(), iv(Some(30), Some(70)))]);
        assert!(uncovered(&x, &[&y1, &y2, &y3], &t).is_none());
    }

    #[test]
    fn enum_coverage_uses_the_domain() {
        let t = table();
        let x = Region::new();
        let ab = Region::from([(
            "e".to_string(),
            Constraint::In(InSet {
                values: vec!["a".into(), "b".into()],
            }),
        )]);
        let gap = uncovered(&x, &[&ab], &t).expect("c is not covered");
        assert_eq!(
            gap.get("e"),
            Some(&Constraint::In(InSet {
                values: vec!["c".into()]
            }))
        );
        let c = Region::from([(
            "e".to_string(),
            Constraint::In(InSet {
                values: vec!["c".into()],
            }),
        )]);
        assert!(uncovered(&x, &[&ab, &c], &t).is_none());
    }

    #[test]
    fn containment() {
        let small = Region::from([("x".to_string(), iv(Some(10), Some(20)))]);
        let big = Region::from([("x".to_string(), iv(None, Some(30)))]);
        assert!(contains(&big, &small));
        assert!(!contains(&small, &big));
        assert!(contains(&Region::new(), &small));
    }
}
