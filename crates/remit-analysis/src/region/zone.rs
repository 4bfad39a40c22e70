//! Zones: boxes of per-input constraints narrowed by linear relations
//! (`Σ coefficient × value ≤ max`), the exact shape of a rule's box once
//! budgets and the realisability of counters are part of it.
//!
//! A budget is `sum counter + money parameter ≤ max`; realisability is
//! `shorter window − longer window ≤ 0` for counters over the same actions
//! and subject; breaking a budget is the negated relation; a share such as
//! `amount ≤ 20% of bill` is `5·amount − bill ≤ 0`. The relations and the
//! box's intervals on the inputs they read form a system of linear
//! inequalities with integer coefficients, which Pugh's Omega test
//! (`omega`) decides exactly over the integers: a zone is empty exactly
//! when [`Zone::solve`] says so, and otherwise it yields a request in it
//! (parameters are eliminated first, so counters take their lowest values
//! and the amounts make up the rest). An overflow, a step that grows past
//! [`MAX_RELATIONS`] constraints, or a search past the Omega test's other
//! work bounds is [`Incomplete`]: the question is not answered rather
//! than guessed.

use super::omega::{self, Lin};
use super::{
    complement, constraints_disjoint, contains, disjoint, meet, subtract as subtract_box, Region,
    COVERAGE_BUDGET,
};
use remit_sema::lower::intersect;
use remit_table::{Constraint, Interval, Table};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The most relations (constraints) one elimination step may hold.
pub const MAX_RELATIONS: usize = 4_096;

/// A question the exact analysis gave up on: a documented work bound or
/// the range of checked arithmetic was reached, or a relation reads an
/// input whose constraint is not an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Incomplete;

/// `Σ coefficient × value ≤ max` over input keys and counter ids.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Relation {
    /// Input key or counter id → coefficient (never 0).
    pub terms: BTreeMap<String, i64>,
    /// The bound.
    pub max: i128,
}

impl Relation {
    /// `a + b ≤ max`.
    pub fn sum_at_most(a: &str, b: &str, max: i64) -> Self {
        Relation {
            terms: BTreeMap::from([(a.to_string(), 1), (b.to_string(), 1)]),
            max: i128::from(max),
        }
    }

    /// `a ≤ b`.
    pub fn at_most(a: &str, b: &str) -> Self {
        Relation {
            terms: BTreeMap::from([(a.to_string(), 1), (b.to_string(), -1)]),
            max: 0,
        }
    }

    /// The requests that break the relation: `Σ ≥ max + 1`.
    pub fn negated(&self) -> Self {
        Relation {
            terms: self.terms.iter().map(|(k, c)| (k.clone(), -c)).collect(),
            max: -self.max - 1,
        }
    }
}

/// A box narrowed by relations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Zone {
    /// Per-input constraints.
    pub bounds: Region,
    /// Relations that must all hold too (shared: zones are cloned at every
    /// subtraction step, and a relation never changes).
    pub relations: Vec<Arc<Relation>>,
}

impl Zone {
    /// A zone without relations.
    pub fn of(bounds: Region) -> Self {
        Zone {
            bounds,
            relations: Vec::new(),
        }
    }

    /// The intersection (`None` when the boxes already contradict; the
    /// relations are checked by [`Zone::solve`]).
    pub fn meet(&self, other: &Zone) -> Option<Zone> {
        let bounds = meet(&self.bounds, &other.bounds)?;
        let mut relations = self.relations.clone();
        for r in &other.relations {
            if !relations.contains(r) {
                relations.push(r.clone());
            }
        }
        Some(Zone { bounds, relations })
    }

    /// The zone narrowed by one more box.
    pub fn within(&self, bounds: &Region) -> Option<Zone> {
        Some(Zone {
            bounds: meet(&self.bounds, bounds)?,
            relations: self.relations.clone(),
        })
    }

    /// One request of the zone as a box pinned on every input a relation
    /// reads (lowest values first; one already at its lower bound is left
    /// as it is), or `None` when the zone is empty.
    pub fn solve(&self) -> Result<Option<Region>, Incomplete> {
        if self.relations.is_empty() {
            return Ok(Some(self.bounds.clone()));
        }
        let Some(values) = solve(&self.bounds, &self.relations)? else {
            return Ok(None);
        };
        let mut pinned = self.bounds.clone();
        for (key, v) in values {
            // A value at the lower bound is what a witness picks anyway:
            // leave the bound as it is (and out of the witness's summary).
            if matches!(pinned.get(&key), Some(Constraint::Interval(i)) if i.min == Some(v)) {
                continue;
            }
            pinned.insert(
                key,
                Constraint::Interval(Interval {
                    min: Some(v),
                    max: Some(v),
                }),
            );
        }
        Ok(Some(pinned))
    }

    /// Whether the zone holds no request.
    pub fn is_empty(&self) -> Result<bool, Incomplete> {
        if self.relations.is_empty() {
            return Ok(false);
        }
        empty(&self.bounds, &self.relations)
    }
}

/// `x` minus `y`, as zones whose union is the difference (some may be
/// empty; [`uncovered`] drops those).
pub fn subtract(x: &Zone, y: &Zone, table: &Table) -> Vec<Zone> {
    if disjoint(&x.bounds, &y.bounds) {
        return vec![x.clone()];
    }
    let mut pieces: Vec<Zone> = subtract_box(&x.bounds, &y.bounds, table)
        .into_iter()
        .map(|bounds| Zone {
            bounds,
            relations: x.relations.clone(),
        })
        .collect();
    let Some(mut core) = x.within(&y.bounds) else {
        return vec![x.clone()];
    };
    for r in &y.relations {
        let mut piece = core.clone();
        piece.relations.push(Arc::new(r.negated()));
        pieces.push(piece);
        if !core.relations.contains(r) {
            core.relations.push(r.clone());
        }
    }
    pieces
}

/// A request of `x` that no zone of `cover` holds, as a pinned box, if
/// there is one; `Err` when the question needs more than
/// [`COVERAGE_BUDGET`] steps or the solver reaches a work bound.
pub fn uncovered(x: &Zone, cover: &[&Zone], table: &Table) -> Result<Option<Region>, Incomplete> {
    uncovered_within(x, cover, table, COVERAGE_BUDGET)
}

/// [`uncovered`] with another step budget.
fn uncovered_within(
    x: &Zone,
    cover: &[&Zone],
    table: &Table,
    mut budget: usize,
) -> Result<Option<Region>, Incomplete> {
    // Most questions the lints ask are answered "covered" by one zone
    // that holds `x` whole: settle that before any subtraction.
    if cover.iter().any(|y| holds(y, x)) {
        return Ok(None);
    }
    // Broad zones first: they cut the most and leave the fewest pieces.
    let mut cover: Vec<&Zone> = cover
        .iter()
        .copied()
        .filter(|y| !disjoint(&x.bounds, &y.bounds))
        .collect();
    cover.sort_by_key(|y| (y.relations.len(), y.bounds.len()));
    uncovered_in(x, &cover, table, &mut budget)
}

/// Whether zone `y` holds all of zone `x` (a sufficient test: `y`'s box
/// holds `x`'s, and each relation of `y` is one of `x`'s or holds
/// wherever `x` does; a relation the solver gives up on is not assumed
/// to hold).
fn holds(y: &Zone, x: &Zone) -> bool {
    contains(&y.bounds, &x.bounds)
        && y.relations.iter().all(|r| {
            x.relations.contains(r) || {
                let mut broken = x.relations.clone();
                broken.push(Arc::new(r.negated()));
                matches!(empty(&x.bounds, &broken), Ok(true))
            }
        })
}

fn uncovered_in(
    x: &Zone,
    cover: &[&Zone],
    table: &Table,
    budget: &mut usize,
) -> Result<Option<Region>, Incomplete> {
    if *budget == 0 {
        return Err(Incomplete);
    }
    *budget -= 1;
    if !x.relations.is_empty() && x.is_empty()? {
        return Ok(None);
    }
    for (i, y) in cover.iter().enumerate() {
        if disjoint(&x.bounds, &y.bounds) {
            continue;
        }
        for piece in subtract(x, y, table) {
            if let Some(w) = uncovered_in(&piece, &cover[i + 1..], table, budget)? {
                return Ok(Some(w));
            }
        }
        return Ok(None);
    }
    x.solve()
}

/// Whether some request of `x` lies outside every box of `cover`, when a
/// greedy pass shows it without region arithmetic: each box not yet
/// missed is missed by narrowing `x` on one input it constrains to a part
/// of that input's complement. `Some(true)` is a certain gap,
/// `Some(false)` says `x` is empty, and `None` leaves the question to
/// [`uncovered`]. `nonempty` says whether `x` holds a request (asked at
/// most once, and only when needed).
///
/// Exact, not a heuristic: the narrowed box lies inside `x`'s box and
/// misses every box of `cover`. When no narrowed input is read by a
/// relation of `x`, any request of `x` moved onto the narrowed box stays
/// in `x`, so a gap exists exactly when `x` is not empty; otherwise the
/// narrowed zone is solved. The boxes of `cover` may be supersets of the
/// zones they stand for (a zone is its box narrowed by relations), which
/// only makes a gap harder to show.
pub fn separated(
    x: &Zone,
    nonempty: impl FnOnce() -> Result<bool, Incomplete>,
    cover: &[&Region],
    table: &Table,
) -> Result<Option<bool>, Incomplete> {
    let read = |key: &str| x.relations.iter().any(|r| r.terms.contains_key(key));
    // Narrowed inputs, over `x`'s box; the latest narrowing of an input
    // is its constraint now.
    let mut narrowed: Vec<(&str, Constraint)> = Vec::new();
    fn now<'c>(
        narrowed: &'c [(&str, Constraint)],
        bounds: &'c Region,
        key: &str,
    ) -> Option<&'c Constraint> {
        match narrowed.iter().rev().find(|(k, _)| *k == key) {
            Some((_, c)) => Some(c),
            None => bounds.get(key),
        }
    }
    let mut reads_relation = false;
    for c in cover {
        let missed = c.iter().any(|(k, ck)| {
            now(&narrowed, &x.bounds, k).is_some_and(|now| constraints_disjoint(now, ck))
        });
        if missed {
            continue;
        }
        // Inputs no relation reads first: narrowing them keeps `x` as
        // satisfiable as it was.
        let mut narrowing = None;
        'keys: for relation_read in [false, true] {
            for (k, ck) in c.iter() {
                if read(k) != relation_read || matches!(ck, Constraint::Set(_)) {
                    continue;
                }
                let current = now(&narrowed, &x.bounds, k);
                for part in complement(k, ck, table) {
                    let meet = match current {
                        Some(c) => intersect(c, &part),
                        None => Some(part),
                    };
                    if let Some(m) = meet {
                        narrowing = Some((k.as_str(), m, relation_read));
                        break 'keys;
                    }
                }
            }
        }
        let Some((key, constraint, relation_read)) = narrowing else {
            return Ok(None);
        };
        reads_relation |= relation_read;
        narrowed.push((key, constraint));
    }
    if !reads_relation {
        return Ok(Some(nonempty()?));
    }
    let mut bounds = x.bounds.clone();
    for (k, c) in narrowed {
        bounds.insert(k.to_string(), c);
    }
    Ok((!empty(&bounds, &x.relations)?).then_some(true))
}

/// Values for every input a relation reads, lowest first, or `None` when
/// the relations and bounds contradict.
fn solve(
    bounds: &Region,
    relations: &[Arc<Relation>],
) -> Result<Option<BTreeMap<String, i64>>, Incomplete> {
    if let Some(lowest) = lowest_point(bounds, relations) {
        return Ok(Some(lowest));
    }
    eliminate(bounds, &elimination_order(relations), relations)
}

/// The inputs the relations read, in the order they are eliminated:
/// parameters first (each budget reads one, and eliminating it leaves
/// differences of counters), then by name.
fn elimination_order(relations: &[Arc<Relation>]) -> Vec<&str> {
    let mut names: Vec<&str> = relations
        .iter()
        .flat_map(|r| r.terms.keys().map(String::as_str))
        .collect();
    names.sort_unstable_by_key(|k| (!k.starts_with("param."), *k));
    names.dedup();
    names
}

/// [`solve`] by the Omega test, for the variables `names`.
fn eliminate(
    bounds: &Region,
    names: &[&str],
    relations: &[Arc<Relation>],
) -> Result<Option<BTreeMap<String, i64>>, Incomplete> {
    let index = |key: &str| -> Result<usize, Incomplete> {
        names.iter().position(|n| *n == key).ok_or(Incomplete)
    };
    let mut lins: Vec<Lin> = Vec::with_capacity(relations.len() + 2 * names.len());
    for r in relations {
        let mut terms = Vec::with_capacity(r.terms.len());
        for (k, c) in r.terms.iter().filter(|(_, c)| **c != 0) {
            terms.push((index(k)?, i128::from(*c)));
        }
        lins.push(Lin { terms, max: r.max });
    }
    for (i, name) in names.iter().enumerate() {
        let (min, max) = interval(bounds, name)?;
        if let Some(min) = min {
            lins.push(Lin {
                terms: vec![(i, -1)],
                max: -i128::from(min),
            });
        }
        if let Some(max) = max {
            lins.push(Lin {
                terms: vec![(i, 1)],
                max: i128::from(max),
            });
        }
    }
    let Some(values) = omega::solve(names.len(), &lins)? else {
        return Ok(None);
    };
    let mut out = BTreeMap::new();
    for (name, value) in names.iter().zip(values) {
        out.insert(
            (*name).to_string(),
            i64::try_from(value).map_err(|_| Incomplete)?,
        );
    }
    Ok(Some(out))
}

/// An input's interval in `bounds`, unbounded where it has none;
/// [`Incomplete`] for a constraint that is not an interval (a relation
/// reads only numbers).
fn interval(bounds: &Region, key: &str) -> Result<(Option<i64>, Option<i64>), Incomplete> {
    match bounds.get(key) {
        Some(Constraint::Interval(iv)) => Ok((iv.min, iv.max)),
        Some(_) => Err(Incomplete),
        None => Ok((None, None)),
    }
}

/// Whether the bounds and relations hold no request: refuted on sight
/// ([`refuted`]), shown to hold one by a repaired point
/// ([`repaired_point`]), or else decided by [`solve`].
fn empty(bounds: &Region, relations: &[Arc<Relation>]) -> Result<bool, Incomplete> {
    if refuted(bounds, relations) {
        return Ok(true);
    }
    if repaired_point(bounds, relations) {
        return Ok(false);
    }
    Ok(solve(bounds, relations)?.is_none())
}

/// Whether the relations contradict on sight: one whose least value over
/// the bounds exceeds its bound (a budget below the lowest amount), or two
/// that are each other's negation with no room between them (a budget and
/// its breach, as a subtraction leaves them). `true` is a proof; `false`
/// says nothing.
fn refuted(bounds: &Region, relations: &[Arc<Relation>]) -> bool {
    let least = |r: &Relation| -> Option<i128> {
        let mut sum: i128 = 0;
        for (k, c) in &r.terms {
            let (min, max) = interval(bounds, k).ok()?;
            let end = if *c > 0 { min } else { max };
            sum += i128::from(*c) * i128::from(end?);
        }
        Some(sum)
    };
    let opposed = |a: &Relation, b: &Relation| {
        a.terms.len() == b.terms.len()
            && a.terms
                .iter()
                .all(|(k, c)| b.terms.get(k).is_some_and(|d| *d == -*c))
    };
    relations.iter().enumerate().any(|(i, r)| {
        least(r).is_some_and(|l| l > r.max)
            || relations[i + 1..]
                .iter()
                .any(|o| r.max + o.max < 0 && opposed(r, o))
    })
}

/// How many times [`repaired_point`] goes over the relations.
const REPAIR_PASSES: usize = 4;

/// Whether a request is found by starting every input a relation reads at
/// its lower bound (else its upper, else 0) and, for each relation it
/// breaks, moving its inputs within their bounds until the relation holds
/// (raising those with a negative coefficient, lowering the others), for
/// a few passes. Only a point that keeps every relation and bound answers
/// `true`, so this never says a zone holds a request it does not; `false`
/// says nothing. Breaking a budget (`sum + amount ≥ max + 1`) is most of
/// what the lints ask, and one pass settles it.
fn repaired_point(bounds: &Region, relations: &[Arc<Relation>]) -> bool {
    let Some(mut point) = start_point(bounds, relations) else {
        return false;
    };
    let in_range = |v: i128| i64::try_from(v).is_ok();
    for _ in 0..REPAIR_PASSES {
        let mut kept = true;
        for r in relations {
            let mut deficit = excess(&point, r);
            if deficit <= 0 {
                continue;
            }
            kept = false;
            for (k, c) in &r.terms {
                let Some(v) = point.get_mut(k.as_str()) else {
                    return false;
                };
                let c = i128::from(*c);
                let step = (deficit + c.abs() - 1) / c.abs();
                let room = if c < 0 {
                    v.max.map_or(step, |hi| (hi - v.value).min(step))
                } else {
                    v.min.map_or(step, |lo| (v.value - lo).min(step))
                };
                if room > 0 {
                    v.value += if c < 0 { room } else { -room };
                    if !in_range(v.value) {
                        return false;
                    }
                    deficit -= room * c.abs();
                }
                if deficit <= 0 {
                    break;
                }
            }
        }
        if kept {
            return true;
        }
    }
    false
}

/// An input a relation reads: its bounds, and a value within them.
struct Var {
    value: i128,
    min: Option<i128>,
    max: Option<i128>,
}

/// Every input the relations read at its lower bound, else its upper,
/// else 0 (`None` when one is constrained by something other than an
/// interval, or by an empty one).
fn start_point<'r>(
    bounds: &Region,
    relations: &'r [Arc<Relation>],
) -> Option<BTreeMap<&'r str, Var>> {
    let mut point = BTreeMap::new();
    for key in relations.iter().flat_map(|r| r.terms.keys()) {
        if point.contains_key(key.as_str()) {
            continue;
        }
        let (min, max) = interval(bounds, key).ok()?;
        let (min, max) = (min.map(i128::from), max.map(i128::from));
        if matches!((min, max), (Some(lo), Some(hi)) if lo > hi) {
            return None;
        }
        let value = min.or(max).unwrap_or(0);
        point.insert(key.as_str(), Var { value, min, max });
    }
    Some(point)
}

/// How far a relation is broken at a point: `Σ c·value − max`, at most 0
/// where it holds.
fn excess(point: &BTreeMap<&str, Var>, r: &Relation) -> i128 {
    let sum: i128 = r
        .terms
        .iter()
        .map(|(k, c)| {
            point
                .get(k.as_str())
                .map_or(0, |v| i128::from(*c) * v.value)
        })
        .sum();
    sum - r.max
}

/// Every input the relations read at its lower bound, when each has one
/// and that point keeps every relation: the request [`solve`] finds then
/// anyway (on the way back each variable takes its lowest value over the
/// projection, and the projection holds this point), found without
/// eliminating anything. Most box zones are such: nothing used and the
/// lowest amount are within every budget.
fn lowest_point(bounds: &Region, relations: &[Arc<Relation>]) -> Option<BTreeMap<String, i64>> {
    let point = start_point(bounds, relations)?;
    if point.values().any(|v| v.min.is_none()) || relations.iter().any(|r| excess(&point, r) > 0) {
        return None;
    }
    point
        .into_iter()
        .map(|(k, v)| Some((k.to_string(), i64::try_from(v.value).ok()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(min: Option<i64>, max: Option<i64>) -> Constraint {
        Constraint::Interval(Interval { min, max })
    }

    fn table() -> Table {
        serde_json::from_value(serde_json::json!({
            "format": "remit.table/1", "policy": {"name": "t", "version": null}, "digest": "", "currency": null,
            "default": {"effect": "deny"}, "roles": {}, "actions": {}, "counters": {}, "obligations": {}, "rows": [],
            "inputs": {"param.a": {"type": "money"}}
        }))
        .unwrap()
    }

    fn domain() -> Region {
        Region::from([
            ("param.a".to_string(), iv(Some(0), None)),
            ("s7".to_string(), iv(Some(0), None)),
            ("s30".to_string(), iv(Some(0), None)),
        ])
    }

    proptest::proptest! {
        /// The lowest point, when it answers, is the request the
        /// elimination finds (so the short cut changes no witness), a
        /// repaired point is only found where the elimination finds one,
        /// and a refutation only where it finds none.
        #[test]
        fn the_lowest_point_is_what_elimination_finds(
            mins in proptest::collection::vec(0i64..4, 3),
            spans in proptest::collection::vec(proptest::option::of(0i64..4), 3),
            rels in proptest::collection::vec(
                (proptest::collection::vec(-1i64..=1, 3), -2i64..8),
                1..4,
            ),
        ) {
            let names = ["param.a", "s30", "s7"];
            let bounds: Region = names
                .iter()
                .zip(mins.iter().zip(&spans))
                .map(|(n, (min, span))| (n.to_string(), iv(Some(*min), span.map(|s| min + s))))
                .collect();
            let relations: Vec<Arc<Relation>> = rels
                .iter()
                .filter(|(cs, _)| cs.iter().any(|c| *c != 0))
                .map(|(cs, max)| {
                    Arc::new(Relation {
                        terms: names
                            .iter()
                            .zip(cs)
                            .filter(|(_, c)| **c != 0)
                            .map(|(n, c)| (n.to_string(), *c))
                            .collect(),
                        max: i128::from(*max),
                    })
                })
                .collect();
            let read = elimination_order(&relations);
            if let Some(lowest) = lowest_point(&bounds, &relations) {
                proptest::prop_assert_eq!(eliminate(&bounds, &read, &relations), Ok(Some(lowest)));
            }
            // A repaired point is a request: the elimination finds one too;
            // a refutation is a proof: the elimination finds none.
            if repaired_point(&bounds, &relations) {
                proptest::prop_assert!(matches!(eliminate(&bounds, &read, &relations), Ok(Some(_))));
            }
            if refuted(&bounds, &relations) {
                proptest::prop_assert_eq!(eliminate(&bounds, &read, &relations), Ok(None));
            }
        }
    }

    #[test]
    fn the_short_cuts_answer_what_budgets_ask() {
        let budget = vec![Arc::new(Relation::sum_at_most("s30", "param.a", 50))];
        let breach = vec![Arc::new(budget[0].negated())];
        let both = [budget.clone(), breach.clone()].concat();
        // Nothing used and nothing asked keeps the budget.
        assert_eq!(
            lowest_point(&domain(), &budget),
            Some(BTreeMap::from([("param.a".into(), 0), ("s30".into(), 0)]))
        );
        assert_eq!(lowest_point(&domain(), &breach), None);
        // Its breach is reached by raising the amount (the first input).
        assert!(repaired_point(&domain(), &breach));
        // A budget and its breach, or a budget below the lowest amount.
        assert!(refuted(&domain(), &both));
        assert!(!refuted(&domain(), &breach));
        let mut large = domain();
        large.insert("param.a".into(), iv(Some(200), None));
        assert!(refuted(&large, &budget));
        // With the amount capped below the breach, the repair moves the
        // counter instead; capped both, it cannot.
        let mut capped = domain();
        capped.insert("param.a".into(), iv(Some(0), Some(10)));
        assert!(repaired_point(&capped, &breach));
        capped.insert("s30".into(), iv(Some(0), Some(10)));
        assert!(!repaired_point(&capped, &breach));
        let zone = Zone {
            bounds: capped,
            relations: breach,
        };
        assert_eq!(zone.is_empty(), Ok(true));
    }

    #[test]
    fn a_budget_below_the_lowest_amount_is_empty() {
        let mut bounds = domain();
        bounds.insert("param.a".into(), iv(Some(200), None));
        let z = Zone {
            bounds,
            relations: vec![Arc::new(Relation::sum_at_most("s30", "param.a", 50))],
        };
        assert_eq!(z.solve(), Ok(None));
    }

    #[test]
    fn breaking_a_budget_finds_the_lowest_request() {
        let z = Zone {
            bounds: domain(),
            relations: vec![Arc::new(
                Relation::sum_at_most("s7", "param.a", 50).negated(),
            )],
        };
        let p = z.solve().unwrap().unwrap();
        // Parameters are eliminated first and so assigned last: counters
        // take their lowest values and the amount makes up the rest.
        assert_eq!(p.get("s7"), Some(&iv(Some(0), None)));
        assert_eq!(p.get("param.a"), Some(&iv(Some(51), Some(51))));
    }

    #[test]
    fn a_share_of_the_bill_is_solved_exactly() {
        // `amount ≤ 20% of bill` is `5·amount − bill ≤ 0`.
        let share = Arc::new(Relation {
            terms: BTreeMap::from([
                ("param.amount".to_string(), 5),
                ("param.bill".to_string(), -1),
            ]),
            max: 0,
        });
        let zone = |bill_max| Zone {
            bounds: Region::from([
                ("param.amount".to_string(), iv(Some(30), None)),
                ("param.bill".to_string(), iv(Some(0), Some(bill_max))),
            ]),
            relations: vec![share.clone()],
        };
        // An amount of at least 30 needs a bill of at least 150.
        assert_eq!(zone(149).solve(), Ok(None));
        let p = zone(200).solve().unwrap().unwrap();
        assert_eq!(p.get("param.amount"), Some(&iv(Some(30), None)));
        assert_eq!(p.get("param.bill"), Some(&iv(Some(150), Some(150))));
    }

    #[test]
    fn realisability_joins_two_windows() {
        // Within the 30-day budget but over the 7-day one: impossible when
        // the 7-day window never holds more than the 30-day one.
        let z = Zone {
            bounds: domain(),
            relations: vec![
                Arc::new(Relation::sum_at_most("s30", "param.a", 50)),
                Arc::new(Relation::sum_at_most("s7", "param.a", 50).negated()),
                Arc::new(Relation::at_most("s7", "s30")),
            ],
        };
        assert_eq!(z.solve(), Ok(None));
    }

    #[test]
    fn separation_misses_each_box_on_an_input_of_its_own() {
        let t: Table = serde_json::from_value(serde_json::json!({
            "format": "remit.table/1", "policy": {"name": "t", "version": null}, "digest": "", "currency": null,
            "default": {"effect": "deny"}, "roles": {}, "actions": {}, "counters": {}, "obligations": {}, "rows": [],
            "inputs": {"param.a": {"type": "money"}, "e": {"type": "enum", "values": ["a", "b"]}, "x": {"type": "int"}}
        }))
        .unwrap();
        let x = Zone {
            bounds: domain(),
            relations: vec![Arc::new(Relation::sum_at_most("s30", "param.a", 50))],
        };
        let only_a = Region::from([(
            "e".to_string(),
            Constraint::In(remit_table::InSet {
                values: vec!["a".into()],
            }),
        )]);
        let x_low = Region::from([("x".to_string(), iv(None, Some(10)))]);
        // `e = b` and `x = 11` miss both boxes; neither input is in a relation.
        assert_eq!(
            separated(&x, || Ok(true), &[&only_a, &x_low], &t),
            Ok(Some(true))
        );
        assert_eq!(
            uncovered(
                &x,
                &[&Zone::of(only_a.clone()), &Zone::of(x_low.clone())],
                &t
            )
            .map(|w| w.is_some()),
            Ok(true)
        );
        // A box over all of `x` cannot be missed.
        let all = Region::new();
        assert_eq!(separated(&x, || Ok(true), &[&all], &t), Ok(None));
        // Missing a cap on the amount needs the amount above it, which the
        // budget forbids: not shown here (the exact search says covered).
        let cap = Region::from([("param.a".to_string(), iv(Some(0), Some(50)))]);
        assert_eq!(separated(&x, || Ok(true), &[&cap], &t), Ok(None));
        assert_eq!(uncovered(&x, &[&Zone::of(cap)], &t), Ok(None));
        // Below the budget's reach, it is shown, and solved.
        let small = Region::from([("param.a".to_string(), iv(Some(0), Some(20)))]);
        assert_eq!(separated(&x, || Ok(true), &[&small], &t), Ok(Some(true)));
    }

    #[test]
    fn coverage_accounts_for_relations() {
        let t = table();
        let all = Zone::of(domain());
        let within = Zone {
            bounds: domain(),
            relations: vec![Arc::new(Relation::sum_at_most("s30", "param.a", 50))],
        };
        let gap = uncovered(&all, &[&within], &t).unwrap().unwrap();
        assert_eq!(gap.get("param.a"), Some(&iv(Some(51), Some(51))));
        let over = Zone {
            bounds: domain(),
            relations: vec![Arc::new(
                Relation::sum_at_most("s30", "param.a", 50).negated(),
            )],
        };
        assert_eq!(uncovered(&all, &[&within, &over], &t), Ok(None));
        // The same question with too small a budget is not answered.
        assert_eq!(
            uncovered_within(&all, &[&within, &over], &t, 2),
            Err(Incomplete)
        );
    }
}
