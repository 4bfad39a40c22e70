//! Pugh's Omega test (W. Pugh, "The Omega test: a fast and practical
//! integer programming algorithm for dependence analysis", 1991): whether
//! a conjunction of linear inequalities `Σ c·x ≤ max` with arbitrary
//! integer coefficients has an integer solution, and one when it has.
//!
//! # The algorithm
//!
//! Variables are eliminated one at a time in the order given (variable 0
//! first), from a system kept *normalised*: a constraint's coefficients
//! are divided by their gcd and its bound rounded down (`2x + 4y ≤ 7`
//! becomes `x + 2y ≤ 3`); of constraints with the same left side only the
//! tightest is kept; a constant one is checked and dropped; and opposite
//! constraints `e ≤ m`, `−e ≤ −m` become the equality `e = m` (whose
//! gcd must divide `m`, else there is no integer solution).
//!
//! * An equality is eliminated first, by substitution. When a variable has
//!   coefficient ±1 it is solved for that variable (the earliest in the
//!   order when that one has ±1). Otherwise, with `a` the smallest
//!   coefficient (on `x`) and `m = |a| + 1`, Pugh's step introduces a
//!   fresh variable σ with `m·σ = Σ (cᵢ mod^ m)·xᵢ` (`mod^` the remainder
//!   nearest 0), which solves for `x` since `a mod^ m = −sign(a)`; the
//!   equality's other coefficients shrink by about a factor `m` while σ's
//!   is `|a|`, so a coefficient ±1 appears after a few steps.
//! * A variable with lower bounds `a·v ≥ L` and upper bounds `b·v ≤ U`
//!   (`L`, `U` over the remaining variables) is eliminated by its *real
//!   shadow* (`b·L ≤ a·U` for every pair, Fourier–Motzkin) when every
//!   pair has `a = 1` or `b = 1`. A variable bounded on one side only
//!   (or not at all) is dropped with its constraints.
//! * Otherwise the variable's real shadow is first tested by eliminating
//!   every remaining variable by real shadows (substituting equalities):
//!   a contradiction there means no integer solution. Then the *dark
//!   shadow* (`a·U − b·L ≥ (a − 1)(b − 1)` for every pair) is solved;
//!   when it has no integer point, every solution lies on a *splinter*
//!   `a·v = L + k` for some lower bound and `0 ≤ k ≤ ⌊(M·a − a − M)/M⌋`,
//!   `M` the largest upper coefficient (or symmetrically on the upper
//!   bounds, whichever side gives fewer), each solved as the system plus
//!   that equality. Each of these subproblems is first put to the same
//!   refutation, which settles most splinters without a search.
//!
//! # Exactness
//!
//! Every step keeps the integer solutions. Normalising and substituting
//! are equivalences over the integers (σ is an integer exactly when the
//! equality holds, since `c mod^ m ≡ c`). The real shadow is the exact
//! integer projection when each pair has a unit coefficient: `L ≤ U/b`
//! with `L` an integer gives `L ≤ ⌊U/b⌋`, so the integer interval for `v`
//! is not empty. In general the real shadow holds the projection (so does
//! a real shadow of it, tightened: the refutation is sound) and the dark
//! shadow lies in it: `a·U − b·L ≥ (a − 1)(b − 1)` leaves room for an
//! integer between `L/a` and `U/b`. And a solution `(y, v)` with `y`
//! outside the dark shadow breaks it for some pair: with `s = a·v − L ≥ 0`
//! and `t = U − b·v ≥ 0`, `a·t + b·s ≤ a·b − a − b`, so
//! `s ≤ (a·b − a − b)/b ≤ (M·a − a − M)/M`: it lies on a splinter. Each
//! equality, splinter and shadow removes a variable, so the search ends.
//!
//! # Witnesses
//!
//! Each eliminated variable keeps the constraints it had (or its
//! substitution), and values are assigned the way back, last eliminated
//! first: a variable takes its lowest allowed value when it has a lower
//! bound, else its highest when it has an upper bound, else 0. Where every
//! step was exact and in order, that is a variable's lowest value over the
//! projection given the values of the variables after it. A witness from
//! a dark shadow or a splinter, or through an equality solved for a later
//! variable (`2x + y = 1`, solved for `y`), is a solution, not
//! necessarily that one. [`solve`] checks the witness against every
//! constraint before returning it.
//!
//! # Bounds
//!
//! All arithmetic is checked `i128`. An overflow, a system of more than
//! [`MAX_RELATIONS`] constraints, more than [`MAX_BRANCHES`] dark shadows
//! and splinters searched (past their refutation), more than
//! [`MAX_DEPTH`] nested ones, or more than [`MAX_STEPS`] units of work in
//! all (eliminations, constraints formed, constraints copied into
//! subproblems) is [`Incomplete`]: the question is not answered rather
//! than guessed.

use super::zone::{Incomplete, MAX_RELATIONS};
use std::collections::BTreeMap;

/// The most subproblems (dark shadows and splinters) one [`solve`] may
/// search past their refutation.
pub(crate) const MAX_BRANCHES: usize = 4_096;

/// The most subproblems one [`solve`] may nest (each removes a variable).
pub(crate) const MAX_DEPTH: usize = 64;

/// The most work one [`solve`] may do, over all its subproblems and
/// refutations: a unit per elimination step (a variable or an equality),
/// per constraint formed from a lower and an upper bound, and per
/// constraint copied into a subproblem.
pub(crate) const MAX_STEPS: usize = 1 << 22;

/// Variable index → coefficient, sorted by variable, one term per
/// variable, never 0.
type Terms = Vec<(usize, i128)>;

/// One linear constraint over variable indices: `Σ c·x ≤ max` (for an
/// equality inside the solver, `Σ c·x = max`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lin {
    /// Variable index → coefficient (any order; duplicates are summed and
    /// zeros dropped by [`solve`]).
    pub(crate) terms: Vec<(usize, i128)>,
    /// The bound.
    pub(crate) max: i128,
}

impl Lin {
    /// The coefficient of `v` in sorted terms (0 when absent).
    fn coefficient(&self, v: usize) -> i128 {
        coefficient(&self.terms, v)
    }
}

/// Values for variables `0..vars` satisfying every constraint of
/// `system`, or `None` when it has no integer solution; variables are
/// eliminated in index order (see the module documentation for the
/// witness chosen).
pub(crate) fn solve(vars: usize, system: &[Lin]) -> Result<Option<Vec<i128>>, Incomplete> {
    Solver::new(vars).solve(vars, system)
}

/// Why building a system stopped.
#[derive(Debug)]
enum Stop {
    /// The constraints have no integer solution.
    Infeasible,
    /// A work bound or an overflow.
    Incomplete,
}

impl From<Incomplete> for Stop {
    fn from(_: Incomplete) -> Self {
        Stop::Incomplete
    }
}

/// `a · b`, checked.
fn mul(a: i128, b: i128) -> Result<i128, Incomplete> {
    a.checked_mul(b).ok_or(Incomplete)
}

/// `a + b`, checked.
fn add(a: i128, b: i128) -> Result<i128, Incomplete> {
    a.checked_add(b).ok_or(Incomplete)
}

/// `a − b`, checked.
fn sub(a: i128, b: i128) -> Result<i128, Incomplete> {
    a.checked_sub(b).ok_or(Incomplete)
}

/// `⌊a / b⌋` for `b > 0`, checked.
fn floor_div(a: i128, b: i128) -> Result<i128, Incomplete> {
    if b <= 0 {
        return Err(Incomplete);
    }
    a.checked_div_euclid(b).ok_or(Incomplete)
}

/// `a mod^ m`: the remainder of `a` by `m > 0` nearest 0,
/// `a − m·⌊a/m + 1/2⌋`.
fn mod_hat(a: i128, m: i128) -> Result<i128, Incomplete> {
    let q = floor_div(add(mul(a, 2)?, m)?, mul(m, 2)?)?;
    sub(a, mul(m, q)?)
}

/// The greatest common divisor.
fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The coefficient of `v` in sorted terms (0 when absent).
fn coefficient(terms: &[(usize, i128)], v: usize) -> i128 {
    match terms.binary_search_by_key(&v, |(k, _)| *k) {
        Ok(i) => terms.get(i).map_or(0, |(_, c)| *c),
        Err(_) => 0,
    }
}

/// `p·x + q·y` over sorted terms, terms that cancel dropped.
fn combine(
    x: &[(usize, i128)],
    p: i128,
    y: &[(usize, i128)],
    q: i128,
) -> Result<Terms, Incomplete> {
    let mut out = Vec::with_capacity(x.len() + y.len());
    let (mut i, mut j) = (x.iter().peekable(), y.iter().peekable());
    loop {
        let next = match (i.peek().copied(), j.peek().copied()) {
            (Some(&(a, c)), Some(&(b, d))) if a == b => {
                i.next();
                j.next();
                (a, add(mul(p, c)?, mul(q, d)?)?)
            }
            (Some(&(a, c)), Some(&(b, _))) if a < b => {
                i.next();
                (a, mul(p, c)?)
            }
            (Some(&(a, c)), None) => {
                i.next();
                (a, mul(p, c)?)
            }
            (_, Some(&(b, d))) => {
                j.next();
                (b, mul(q, d)?)
            }
            (None, None) => break,
        };
        if next.1 != 0 {
            out.push(next);
        }
    }
    Ok(out)
}

/// `Σ c·value` over terms (a variable without a value counts as 0),
/// leaving `skip` out.
fn evaluate(terms: &[(usize, i128)], values: &[i128], skip: usize) -> Result<i128, Incomplete> {
    let mut sum: i128 = 0;
    for &(k, c) in terms {
        if k != skip {
            sum = add(sum, mul(c, values.get(k).copied().unwrap_or(0))?)?;
        }
    }
    Ok(sum)
}

/// Sets the value of `v`, growing `values` as needed.
fn assign(values: &mut Vec<i128>, v: usize, value: i128) {
    if values.len() <= v {
        values.resize(v + 1, 0);
    }
    if let Some(slot) = values.get_mut(v) {
        *slot = value;
    }
}

/// A constraint normalised (coefficients divided by their gcd; an
/// inequality's bound rounded down, an equality's divided exactly and its
/// first coefficient made positive): `None` when it always holds,
/// [`Stop::Infeasible`] when it never does over the integers.
fn reduce(terms: Terms, max: i128, equality: bool) -> Result<Option<Lin>, Stop> {
    if terms.is_empty() {
        let holds = if equality { max == 0 } else { max >= 0 };
        return if holds {
            Ok(None)
        } else {
            Err(Stop::Infeasible)
        };
    }
    let g = terms
        .iter()
        .fold(0u128, |g, (_, c)| gcd(g, c.unsigned_abs()));
    let g = i128::try_from(g).map_err(|_| Incomplete)?;
    let sign = match terms.first() {
        Some((_, c)) if equality && *c < 0 => -1,
        _ => 1,
    };
    let max = if equality {
        if max.checked_rem(g).ok_or(Incomplete)? != 0 {
            return Err(Stop::Infeasible);
        }
        mul(max.checked_div(g).ok_or(Incomplete)?, sign)?
    } else {
        floor_div(max, g)?
    };
    let terms = terms
        .into_iter()
        .map(|(v, c)| Ok((v, mul(c.checked_div(g).ok_or(Incomplete)?, sign)?)))
        .collect::<Result<Terms, Incomplete>>()?;
    Ok(Some(Lin { terms, max }))
}

/// `x = Σ c·y + constant`: how an eliminated variable follows from others.
#[derive(Debug, Clone)]
struct Expr {
    /// Sorted terms over other variables.
    terms: Terms,
    /// The constant.
    constant: i128,
}

/// A constraint with `x` replaced by `expr`.
fn substituted(lin: Lin, x: usize, expr: &Expr) -> Result<Lin, Incomplete> {
    let c = lin.coefficient(x);
    if c == 0 {
        return Ok(lin);
    }
    let without: Terms = lin.terms.into_iter().filter(|(k, _)| *k != x).collect();
    Ok(Lin {
        terms: combine(&without, 1, &expr.terms, c)?,
        max: sub(lin.max, mul(c, expr.constant)?)?,
    })
}

/// A normalised system and the variables still to eliminate.
#[derive(Debug, Clone, Default)]
struct System {
    /// `terms ≤ max`: one entry per left side, the tightest.
    ineqs: BTreeMap<Terms, i128>,
    /// `terms = max`, to eliminate before anything else.
    eqs: Vec<Lin>,
    /// Variables still to eliminate, the next one last.
    order: Vec<usize>,
}

impl System {
    /// Adds `terms ≤ max`, normalised.
    fn insert(&mut self, terms: Terms, max: i128) -> Result<(), Stop> {
        let Some(lin) = reduce(terms, max, false)? else {
            return Ok(());
        };
        let negated = lin
            .terms
            .iter()
            .map(|&(v, c)| c.checked_neg().map(|c| (v, c)).ok_or(Incomplete))
            .collect::<Result<Terms, Incomplete>>()?;
        if let Some(&other) = self.ineqs.get(&negated) {
            // `−e ≤ other` and `e ≤ max`: `−other ≤ e ≤ max`.
            let room = add(lin.max, other)?;
            if room < 0 {
                return Err(Stop::Infeasible);
            }
            if room == 0 {
                self.ineqs.remove(&negated);
                return self.equate(lin.terms, lin.max);
            }
        }
        self.ineqs
            .entry(lin.terms)
            .and_modify(|m| *m = (*m).min(lin.max))
            .or_insert(lin.max);
        self.check_size()
    }

    /// Adds `terms = max`, normalised.
    fn equate(&mut self, terms: Terms, max: i128) -> Result<(), Stop> {
        if let Some(lin) = reduce(terms, max, true)? {
            self.eqs.push(lin);
        }
        self.check_size()
    }

    /// [`Stop::Incomplete`] past [`MAX_RELATIONS`] constraints.
    fn check_size(&self) -> Result<(), Stop> {
        if self.ineqs.len() + self.eqs.len() > MAX_RELATIONS {
            return Err(Stop::Incomplete);
        }
        Ok(())
    }

    /// Removes and returns the inequalities that read `v`.
    fn take(&mut self, v: usize) -> Vec<Lin> {
        // Moved out in place, rather than rebuilding two maps at every step.
        self.ineqs
            .extract_if(.., |terms, _| coefficient(terms, v) != 0)
            .map(|(terms, max)| Lin { terms, max })
            .collect()
    }

    /// Replaces `x` by `expr` everywhere.
    fn substitute(&mut self, x: usize, expr: &Expr) -> Result<(), Stop> {
        let ineqs = std::mem::take(&mut self.ineqs);
        let eqs = std::mem::take(&mut self.eqs);
        for (terms, max) in ineqs {
            let lin = substituted(Lin { terms, max }, x, expr)?;
            self.insert(lin.terms, lin.max)?;
        }
        for eq in eqs {
            let lin = substituted(eq, x, expr)?;
            self.equate(lin.terms, lin.max)?;
        }
        Ok(())
    }

    /// Adds the real shadow of `v`'s bounds (the dark shadow when `dark`):
    /// for each lower bound `−a·v + … ≤ q` and upper bound `b·v + … ≤ p`,
    /// `a·upper + b·lower`, less `(a − 1)(b − 1)` in the dark.
    fn shadow(&mut self, lower: &[&Lin], upper: &[&Lin], v: usize, dark: bool) -> Result<(), Stop> {
        for l in lower {
            let a = l.coefficient(v).checked_neg().ok_or(Incomplete)?;
            for u in upper {
                let b = u.coefficient(v);
                let terms = combine(&u.terms, a, &l.terms, b)?;
                let mut max = add(mul(a, u.max)?, mul(b, l.max)?)?;
                if dark {
                    max = sub(max, mul(sub(a, 1)?, sub(b, 1)?)?)?;
                }
                self.insert(terms, max)?;
            }
        }
        Ok(())
    }
}

/// How a variable's value is found on the way back.
#[derive(Debug)]
enum Step {
    /// The variable equals the expression.
    Substituted(usize, Expr),
    /// The variable's constraints when it was eliminated.
    Bounded(usize, Vec<Lin>),
}

/// The value of `v` allowed by `lins` given the others' values: its
/// lowest when it has a lower bound, else its highest, else 0.
fn pick(v: usize, lins: &[Lin], values: &[i128]) -> Result<i128, Incomplete> {
    let (mut lo, mut hi): (Option<i128>, Option<i128>) = (None, None);
    for l in lins {
        let own = l.coefficient(v);
        let room = sub(l.max, evaluate(&l.terms, values, v)?)?;
        if own > 0 {
            let b = floor_div(room, own)?;
            hi = Some(hi.map_or(b, |h| h.min(b)));
        } else if own < 0 {
            // `own·v ≤ room`: `v ≥ ⌈room/own⌉ = −⌊room/|own|⌋`.
            let b = floor_div(room, own.checked_neg().ok_or(Incomplete)?)?
                .checked_neg()
                .ok_or(Incomplete)?;
            lo = Some(lo.map_or(b, |x| x.max(b)));
        }
    }
    if let (Some(l), Some(h)) = (lo, hi) {
        if l > h {
            return Err(Incomplete);
        }
    }
    Ok(lo.or(hi).unwrap_or(0))
}

/// Assigns the variables of `trail`, last step first, over `values`.
fn finish(mut values: Vec<i128>, trail: Vec<Step>) -> Result<Vec<i128>, Incomplete> {
    for step in trail.into_iter().rev() {
        match step {
            Step::Substituted(x, expr) => {
                let value = add(expr.constant, evaluate(&expr.terms, &values, x)?)?;
                assign(&mut values, x, value);
            }
            Step::Bounded(v, lins) => {
                let value = pick(v, &lins, &values)?;
                assign(&mut values, v, value);
            }
        }
    }
    Ok(values)
}

/// The number of splinters of a bound with coefficient `a` against the
/// other side's largest coefficient `m`: `⌊(m·a − a − m)/m⌋ + 1`, or 0.
fn splinters(a: i128, m: i128) -> Result<i128, Incomplete> {
    let top = floor_div(sub(sub(mul(m, a)?, a)?, m)?, m)?;
    Ok(if top < 0 { 0 } else { add(top, 1)? })
}

/// One search: its fresh variables and the work it has done.
#[derive(Debug)]
struct Solver {
    /// The next fresh variable (σ) index.
    fresh: usize,
    /// Subproblems searched past their refutation.
    branches: usize,
    /// Subproblems open now.
    depth: usize,
    /// Elimination steps taken.
    steps: usize,
}

impl Solver {
    /// A search over variables `0..vars`.
    fn new(vars: usize) -> Self {
        Solver {
            fresh: vars,
            branches: 0,
            depth: 0,
            steps: 0,
        }
    }

    /// See [`solve`].
    fn solve(&mut self, vars: usize, system: &[Lin]) -> Result<Option<Vec<i128>>, Incomplete> {
        let mut sys = System {
            order: (0..vars).rev().collect(),
            ..System::default()
        };
        for lin in system {
            let mut terms = lin.terms.clone();
            terms.sort_unstable_by_key(|(v, _)| *v);
            let mut merged: Terms = Vec::with_capacity(terms.len());
            for (v, c) in terms {
                if v >= vars {
                    return Err(Incomplete);
                }
                match merged.last_mut() {
                    Some((w, d)) if *w == v => *d = add(*d, c)?,
                    _ => merged.push((v, c)),
                }
            }
            merged.retain(|(_, c)| *c != 0);
            match sys.insert(merged, lin.max) {
                Ok(()) => {}
                Err(Stop::Infeasible) => return Ok(None),
                Err(Stop::Incomplete) => return Err(Incomplete),
            }
        }
        let Some(mut values) = self.sat(sys)? else {
            return Ok(None);
        };
        values.resize(vars, 0);
        for lin in system {
            let mut sum: i128 = 0;
            for &(v, c) in &lin.terms {
                sum = add(sum, mul(c, values.get(v).copied().unwrap_or(0))?)?;
            }
            if sum > lin.max {
                return Err(Incomplete);
            }
        }
        Ok(Some(values))
    }

    /// Counts an elimination step.
    fn tick(&mut self) -> Result<(), Incomplete> {
        self.spend(1)
    }

    /// Counts `n` units of work, within [`MAX_STEPS`].
    fn spend(&mut self, n: usize) -> Result<(), Incomplete> {
        self.steps = self.steps.saturating_add(n);
        if self.steps > MAX_STEPS {
            return Err(Incomplete);
        }
        Ok(())
    }

    /// Counts the constraints a shadow of `v` forms from its bounds.
    fn spend_shadow(&mut self, lower: &[&Lin], upper: &[&Lin]) -> Result<(), Incomplete> {
        self.spend(lower.len().saturating_mul(upper.len()))
    }

    /// Solves a subproblem: `None` at once when [`Solver::refutes`] it,
    /// else searched within [`MAX_BRANCHES`] and [`MAX_DEPTH`].
    fn branch(&mut self, sys: System) -> Result<Option<Vec<i128>>, Incomplete> {
        self.spend(sys.ineqs.len() + sys.eqs.len())?;
        if self.refutes(sys.clone())? {
            return Ok(None);
        }
        self.branches += 1;
        if self.branches > MAX_BRANCHES || self.depth >= MAX_DEPTH {
            return Err(Incomplete);
        }
        self.depth += 1;
        let found = self.sat(sys);
        self.depth -= 1;
        found
    }

    /// A solution of `sys`, or `None`.
    fn sat(&mut self, sys: System) -> Result<Option<Vec<i128>>, Incomplete> {
        let mut trail = Vec::new();
        match self.eliminate(sys, &mut trail) {
            Ok(values) => finish(values, trail).map(Some),
            Err(Stop::Infeasible) => Ok(None),
            Err(Stop::Incomplete) => Err(Incomplete),
        }
    }

    /// Eliminates the variables of `sys`, recording on `trail` how each
    /// is found again, and returns the values of a subproblem that
    /// answered (empty when none was needed).
    fn eliminate(&mut self, mut sys: System, trail: &mut Vec<Step>) -> Result<Vec<i128>, Stop> {
        loop {
            self.tick()?;
            if let Some(eq) = sys.eqs.pop() {
                trail.push(self.equality(&mut sys, eq)?);
                continue;
            }
            let Some(v) = sys.order.pop() else {
                break;
            };
            let with = sys.take(v);
            let (lower, upper): (Vec<&Lin>, Vec<&Lin>) =
                with.iter().partition(|l| l.coefficient(v) < 0);
            if lower.is_empty() || upper.is_empty() {
                trail.push(Step::Bounded(v, with));
                continue;
            }
            let exact = lower.iter().all(|l| l.coefficient(v) == -1)
                || upper.iter().all(|u| u.coefficient(v) == 1);
            if exact {
                self.spend_shadow(&lower, &upper)?;
                sys.shadow(&lower, &upper, v, false)?;
                trail.push(Step::Bounded(v, with));
                continue;
            }
            self.spend_shadow(&lower, &upper)?;
            let mut real = sys.clone();
            real.shadow(&lower, &upper, v, false)?;
            if self.refutes(real)? {
                return Err(Stop::Infeasible);
            }
            self.spend_shadow(&lower, &upper)?;
            let mut dark = sys.clone();
            match dark.shadow(&lower, &upper, v, true) {
                Ok(()) => {
                    if let Some(values) = self.branch(dark)? {
                        trail.push(Step::Bounded(v, with));
                        return Ok(values);
                    }
                }
                Err(Stop::Infeasible) => {}
                Err(Stop::Incomplete) => return Err(Stop::Incomplete),
            }
            return self.splinter(&sys, v, &lower, &upper);
        }
        if !sys.ineqs.is_empty() {
            return Err(Stop::Incomplete);
        }
        Ok(Vec::new())
    }

    /// Whether eliminating every variable of `sys` by its real shadow
    /// (substituting equalities) shows it has no integer solution. A
    /// refutation that reaches [`MAX_RELATIONS`] or an overflow shows
    /// nothing; [`MAX_STEPS`] stops the whole search.
    fn refutes(&mut self, mut sys: System) -> Result<bool, Incomplete> {
        loop {
            self.tick()?;
            let done = if let Some(eq) = sys.eqs.pop() {
                self.equality(&mut sys, eq).map(|_| ())
            } else if let Some(v) = sys.order.pop() {
                let with = sys.take(v);
                let (lower, upper): (Vec<&Lin>, Vec<&Lin>) =
                    with.iter().partition(|l| l.coefficient(v) < 0);
                self.spend_shadow(&lower, &upper)?;
                sys.shadow(&lower, &upper, v, false)
            } else {
                return Ok(false);
            };
            match done {
                Ok(()) => {}
                Err(Stop::Infeasible) => return Ok(true),
                Err(Stop::Incomplete) => return Ok(false),
            }
        }
    }

    /// Searches the splinters of `v` (its bounds `lower` and `upper`
    /// taken out of `sys`), on the side with fewer.
    fn splinter(
        &mut self,
        sys: &System,
        v: usize,
        lower: &[&Lin],
        upper: &[&Lin],
    ) -> Result<Vec<i128>, Stop> {
        let largest = |side: &[&Lin]| -> Result<i128, Incomplete> {
            let mut m: i128 = 0;
            for l in side {
                m = m.max(l.coefficient(v).checked_abs().ok_or(Incomplete)?);
            }
            Ok(m)
        };
        let count = |side: &[&Lin], m: i128| -> Result<i128, Incomplete> {
            let mut n: i128 = 0;
            for l in side {
                let a = l.coefficient(v).checked_abs().ok_or(Incomplete)?;
                n = n.saturating_add(splinters(a, m)?);
            }
            Ok(n)
        };
        let (lo_m, up_m) = (largest(lower)?, largest(upper)?);
        let on_lower = count(lower, up_m)? <= count(upper, lo_m)?;
        let (side, m) = if on_lower {
            (lower, up_m)
        } else {
            (upper, lo_m)
        };
        for row in side {
            let a = row.coefficient(v).checked_abs().ok_or(Incomplete)?;
            let n = splinters(a, m)?;
            let mut k: i128 = 0;
            while k < n {
                // On the lower side `a·v − L = k` is `−terms = k − max`;
                // on the upper side `U − b·v = k` is `terms = max − k`.
                let (terms, max) = if on_lower {
                    let negated = row
                        .terms
                        .iter()
                        .map(|&(x, c)| c.checked_neg().map(|c| (x, c)).ok_or(Incomplete))
                        .collect::<Result<Terms, Incomplete>>()?;
                    (negated, sub(k, row.max)?)
                } else {
                    (row.terms.clone(), sub(row.max, k)?)
                };
                k += 1;
                let mut s = sys.clone();
                s.order.push(v);
                let built = lower
                    .iter()
                    .chain(upper)
                    .try_for_each(|l| s.insert(l.terms.clone(), l.max))
                    .and_then(|()| s.equate(terms, max));
                match built {
                    Ok(()) => {}
                    Err(Stop::Infeasible) => continue,
                    Err(Stop::Incomplete) => return Err(Stop::Incomplete),
                }
                if let Some(values) = self.branch(s)? {
                    return Ok(values);
                }
            }
        }
        Err(Stop::Infeasible)
    }

    /// Eliminates one variable of the equality `eq` (normalised), by
    /// substitution, and says how to find it again.
    fn equality(&mut self, sys: &mut System, eq: Lin) -> Result<Step, Stop> {
        let rank = |x: usize| sys.order.iter().rposition(|y| *y == x);
        let earliest = eq
            .terms
            .iter()
            .copied()
            .max_by_key(|(x, _)| rank(*x))
            .ok_or(Incomplete)?;
        let unit = if earliest.1.unsigned_abs() == 1 {
            Some(earliest)
        } else {
            eq.terms
                .iter()
                .copied()
                .filter(|(_, c)| c.unsigned_abs() == 1)
                .max_by_key(|(x, _)| rank(*x))
        };
        if let Some((x, a)) = unit {
            // `a·x + Σ c·y = max` with `a = ±1`: `x = a·max − Σ a·c·y`.
            let mut terms = Vec::with_capacity(eq.terms.len());
            for &(y, c) in eq.terms.iter().filter(|(y, _)| *y != x) {
                terms.push((y, mul(mul(a, c)?, -1)?));
            }
            let expr = Expr {
                terms,
                constant: mul(a, eq.max)?,
            };
            sys.order.retain(|y| *y != x);
            sys.substitute(x, &expr)?;
            return Ok(Step::Substituted(x, expr));
        }
        // Pugh's step on the smallest coefficient `a` (on `x`), `m = |a| + 1`:
        // `m·σ = Σ (c mod^ m)·y + (−max mod^ m) − sign(a)·x`, so
        // `x = sign(a)·(−m·σ + Σ (c mod^ m)·y + (−max mod^ m))`.
        let (x, a) = eq
            .terms
            .iter()
            .copied()
            .min_by_key(|(x, c)| (c.unsigned_abs(), std::cmp::Reverse(rank(*x))))
            .ok_or(Incomplete)?;
        let m = add(a.checked_abs().ok_or(Incomplete)?, 1)?;
        let s = a.signum();
        let sigma = self.fresh;
        self.fresh = self.fresh.checked_add(1).ok_or(Incomplete)?;
        let mut terms = Vec::with_capacity(eq.terms.len());
        for &(y, c) in eq.terms.iter().filter(|(y, _)| *y != x) {
            let r = mod_hat(c, m)?;
            if r != 0 {
                terms.push((y, mul(s, r)?));
            }
        }
        // σ is the newest variable: its term sorts last.
        terms.push((sigma, mul(mul(s, m)?, -1)?));
        let expr = Expr {
            terms,
            constant: mul(s, mod_hat(eq.max.checked_neg().ok_or(Incomplete)?, m)?)?,
        };
        if let Some(slot) = sys.order.iter_mut().find(|y| **y == x) {
            *slot = sigma;
        }
        sys.eqs.push(eq);
        sys.substitute(x, &expr)?;
        Ok(Step::Substituted(x, expr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `Σ terms ≤ max`.
    fn le(terms: &[(usize, i128)], max: i128) -> Lin {
        Lin {
            terms: terms.to_vec(),
            max,
        }
    }

    /// `lo ≤ Σ terms ≤ hi`, as two inequalities.
    fn between(lo: i128, terms: &[(usize, i128)], hi: i128) -> [Lin; 2] {
        let negated: Vec<_> = terms.iter().map(|&(v, c)| (v, -c)).collect();
        [le(terms, hi), le(&negated, -lo)]
    }

    /// `Σ terms = value`, as two inequalities.
    fn equal(terms: &[(usize, i128)], value: i128) -> [Lin; 2] {
        between(value, terms, value)
    }

    /// Whether `values` satisfy every constraint.
    fn satisfies(system: &[Lin], values: &[i128]) -> bool {
        system
            .iter()
            .all(|l| l.terms.iter().map(|&(v, c)| c * values[v]).sum::<i128>() <= l.max)
    }

    /// Every point of the box `lo..=hi` in each of `vars` variables that
    /// satisfies `system`.
    fn points(vars: usize, system: &[Lin], lo: i128, hi: i128) -> Vec<Vec<i128>> {
        let mut out = Vec::new();
        let mut p = vec![lo; vars];
        loop {
            if satisfies(system, &p) {
                out.push(p.clone());
            }
            let mut i = 0;
            loop {
                if i == vars {
                    return out;
                }
                if p[i] < hi {
                    p[i] += 1;
                    break;
                }
                p[i] = lo;
                i += 1;
            }
        }
    }

    /// Solves, asserting a witness satisfies the system.
    fn checked(vars: usize, system: &[Lin]) -> Option<Vec<i128>> {
        let found = solve(vars, system).expect("answered");
        if let Some(w) = &found {
            assert_eq!(w.len(), vars);
            assert!(satisfies(system, w), "{w:?} breaks {system:?}");
        }
        found
    }

    #[test]
    fn parity_has_no_integer_solution() {
        // 2x = 1.
        assert_eq!(checked(1, &equal(&[(0, 2)], 1)), None);
        // 2x − 2y = 1, unbounded.
        assert_eq!(checked(2, &equal(&[(0, 2), (1, -2)], 1)), None);
        // x = 2y + 1 and x = 2z: x is odd and even.
        let mut s = equal(&[(0, 1), (1, -2)], 1).to_vec();
        s.extend(equal(&[(0, 1), (2, -2)], 0));
        assert_eq!(checked(3, &s), None);
        // 4x + 6y = 3: the gcd 2 does not divide 3.
        assert_eq!(checked(2, &equal(&[(0, 4), (1, 6)], 3)), None);
    }

    #[test]
    fn pughs_example_needs_the_dark_shadow_and_splinters() {
        // 3 ≤ 11x + 13y ≤ 21, −8 ≤ 7x − 9y ≤ 6 (Pugh 1991).
        let mut s = between(3, &[(0, 11), (1, 13)], 21).to_vec();
        s.extend(between(-8, &[(0, 7), (1, -9)], 6));
        // Integer solutions: none. Solving for x and y (determinant −190),
        // x = (9·s + 13·t)/190 and y = (7·s − 11·t)/190 for
        // s = 11x + 13y ∈ [3, 21] and t = 7x − 9y ∈ [−8, 6], so
        // x, y ∈ (−1, 2): the box [−10, 10]² holds every solution.
        assert!(points(2, &s, -10, 10).is_empty());
        // Real ones: x = y = 1/2 gives s = 12 and t = −1, so the real
        // shadow (tightened) does not show it; the dark shadow and the
        // splinters do.
        let mut sys = System {
            order: vec![1, 0],
            ..System::default()
        };
        for l in &s {
            sys.insert(l.terms.clone(), l.max).unwrap();
        }
        assert!(!Solver::new(2).refutes(sys).unwrap());
        assert_eq!(checked(2, &s), None);
        // Widened to 3 ≤ 11x + 13y ≤ 45: solutions appear.
        let mut wide = between(3, &[(0, 11), (1, 13)], 45).to_vec();
        wide.extend(between(-8, &[(0, 7), (1, -9)], 6));
        assert!(!points(2, &wide, -10, 10).is_empty());
        assert!(checked(2, &wide).is_some());
    }

    #[test]
    fn a_share_of_a_bill() {
        // 5·a − b ≤ 0 (a ≤ 20% of b), 1 ≤ a, 0 ≤ b ≤ 12.
        let mut s = vec![
            le(&[(0, 5), (1, -1)], 0),
            le(&[(0, -1)], -1),
            le(&[(1, -1)], 0),
            le(&[(1, 1)], 12),
        ];
        // `a` is eliminated first: `b` takes its lowest value, 5.
        assert_eq!(checked(2, &s), Some(vec![1, 5]));
        s.push(le(&[(1, 1)], 4));
        assert_eq!(checked(2, &s), None);
        // 3·a ≤ 2·b with 2 ≤ a: b ≥ 3.
        let t = [le(&[(0, 3), (1, -2)], 0), le(&[(0, -1)], -2)];
        assert_eq!(checked(2, &t), Some(vec![2, 3]));
    }

    #[test]
    fn unbounded_variables() {
        // 3x ≤ 2y: x is bounded above only and takes its highest value.
        assert_eq!(checked(2, &[le(&[(0, 3), (1, -2)], 0)]), Some(vec![0, 0]));
        // 3x ≥ 2y + 1: x takes its lowest.
        assert_eq!(checked(2, &[le(&[(0, -3), (1, 2)], -1)]), Some(vec![1, 0]));
        // 3x + 5y = 7 has integer solutions, none with x, y ≥ 0.
        let s = equal(&[(0, 3), (1, 5)], 7);
        assert!(checked(2, &s).is_some());
        let mut nonnegative = s.to_vec();
        nonnegative.extend([le(&[(0, -1)], 0), le(&[(1, -1)], 0)]);
        assert!(points(2, &nonnegative, 0, 7).is_empty());
        assert_eq!(checked(2, &nonnegative), None);
        // 3x + 5y = 8 with x, y ≥ 0: only (1, 1).
        let mut eight = equal(&[(0, 3), (1, 5)], 8).to_vec();
        eight.extend([le(&[(0, -1)], 0), le(&[(1, -1)], 0)]);
        assert_eq!(checked(2, &eight), Some(vec![1, 1]));
        // No constraint at all.
        assert_eq!(checked(3, &[]), Some(vec![0, 0, 0]));
    }

    #[test]
    fn equalities_as_two_inequalities() {
        // x + y = 10, x − y = 4: (7, 3).
        let mut s = equal(&[(0, 1), (1, 1)], 10).to_vec();
        s.extend(equal(&[(0, 1), (1, -1)], 4));
        assert_eq!(checked(2, &s), Some(vec![7, 3]));
        // x + y = 10, x − y = 3: no integer solution.
        let mut odd = equal(&[(0, 1), (1, 1)], 10).to_vec();
        odd.extend(equal(&[(0, 1), (1, -1)], 3));
        assert_eq!(checked(2, &odd), None);
        // 6x + 10y + 15z = 1 (gcd 1 overall, no coefficient ±1), z ∈ [0, 3].
        let mut e = equal(&[(0, 6), (1, 10), (2, 15)], 1).to_vec();
        e.extend([le(&[(2, -1)], 0), le(&[(2, 1)], 3)]);
        assert!(checked(3, &e).is_some());
        e.push(le(&[(2, 1)], 0));
        // z = 0 leaves 6x + 10y = 1: even.
        assert_eq!(checked(3, &e), None);
    }

    #[test]
    fn lowest_values_on_the_way_back() {
        // x + y ≥ 5, x, y ≥ 0, y ≤ 3: y (assigned first) is 0, x is 5.
        let s = [
            le(&[(0, -1), (1, -1)], -5),
            le(&[(0, -1)], 0),
            le(&[(1, -1)], 0),
            le(&[(1, 1)], 3),
        ];
        assert_eq!(checked(2, &s), Some(vec![5, 0]));
        // A pinned input: x = 4 (as bounds), x + y ≥ 5.
        let p = [
            le(&[(0, 1)], 4),
            le(&[(0, -1)], -4),
            le(&[(0, -1), (1, -1)], -5),
            le(&[(1, -1)], 0),
        ];
        assert_eq!(checked(2, &p), Some(vec![4, 1]));
    }

    #[test]
    fn work_bounds_are_incomplete() {
        // Eliminating x from x ≤ yᵢ and x ≥ zⱼ, 65 of each, makes 65²
        // relations, past MAX_RELATIONS.
        let mut s = Vec::new();
        for i in 0..65 {
            s.push(le(&[(0, 1), (1 + i, -1)], 0));
            s.push(le(&[(0, -1), (66 + i, 1)], 0));
        }
        assert_eq!(solve(131, &s), Err(Incomplete));
        // Coefficients whose products overflow i128.
        let big = 1i128 << 100;
        let o = [
            le(&[(0, big + 1), (1, big)], 0),
            le(&[(0, -(big + 3)), (1, big)], 0),
        ];
        assert_eq!(solve(2, &o), Err(Incomplete));
        // A variable out of range.
        assert_eq!(solve(1, &[le(&[(1, 1)], 0)]), Err(Incomplete));
    }

    /// A random system: per-variable bounds (variable 0 may lack either
    /// side) and rows of coefficients with their bounds.
    #[derive(Debug, Clone)]
    struct Case {
        bounds: Vec<(Option<i128>, Option<i128>)>,
        rows: Vec<(Vec<i128>, i128)>,
    }

    impl Case {
        fn system(&self) -> Vec<Lin> {
            let mut s: Vec<Lin> = self
                .rows
                .iter()
                .map(|(cs, max)| Lin {
                    terms: cs
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| **c != 0)
                        .map(|(v, c)| (v, *c))
                        .collect(),
                    max: *max,
                })
                .collect();
            for (v, (lo, hi)) in self.bounds.iter().enumerate() {
                if let Some(lo) = lo {
                    s.push(le(&[(v, -1)], -lo));
                }
                if let Some(hi) = hi {
                    s.push(le(&[(v, 1)], *hi));
                }
            }
            s
        }

        /// Variable 0's integer values given the others' (`None` when
        /// there are none): an interval, each side possibly unbounded.
        fn slice(&self, rest: &[i128]) -> Option<(Option<i128>, Option<i128>)> {
            let (mut lo, mut hi) = self.bounds[0];
            for (cs, max) in &self.rows {
                let others: i128 = cs.iter().skip(1).zip(rest).map(|(c, x)| c * x).sum();
                let room = max - others;
                match cs[0] {
                    0 if room < 0 => return None,
                    0 => {}
                    c if c > 0 => {
                        hi = Some(hi.map_or(room.div_euclid(c), |h| h.min(room.div_euclid(c))))
                    }
                    c => {
                        let b = -room.div_euclid(-c);
                        lo = Some(lo.map_or(b, |l| l.max(b)));
                    }
                }
            }
            match (lo, hi) {
                (Some(l), Some(h)) if l > h => None,
                bounds => Some(bounds),
            }
        }

        /// Whether an integer solution exists, by enumerating variables
        /// 1.. over their bounds and solving variable 0 exactly.
        fn brute(&self) -> bool {
            let ranges: Vec<(i128, i128)> = self
                .bounds
                .iter()
                .skip(1)
                .map(|(lo, hi)| (lo.unwrap_or(0), hi.unwrap_or(-1)))
                .collect();
            if ranges.iter().any(|(lo, hi)| lo > hi) {
                return false;
            }
            let mut p: Vec<i128> = ranges.iter().map(|r| r.0).collect();
            loop {
                if self.slice(&p).is_some() {
                    return true;
                }
                let mut i = 0;
                loop {
                    if i == p.len() {
                        return false;
                    }
                    if p[i] < ranges[i].1 {
                        p[i] += 1;
                        break;
                    }
                    p[i] = ranges[i].0;
                    i += 1;
                }
            }
        }
    }

    fn interval() -> impl Strategy<Value = (Option<i128>, Option<i128>)> {
        (-8i128..=8, -8i128..=8).prop_map(|(a, b)| (Some(a.min(b)), Some(a.max(b))))
    }

    fn case() -> impl Strategy<Value = Case> {
        (1usize..=4).prop_flat_map(|n| {
            let first = prop_oneof![
                4 => interval(),
                1 => (-8i128..=8).prop_map(|a| (Some(a), None)),
                1 => (-8i128..=8).prop_map(|a| (None, Some(a))),
                1 => Just((None, None)),
            ];
            let rest = proptest::collection::vec(interval(), n - 1);
            let rows = proptest::collection::vec(
                (proptest::collection::vec(-6i128..=6, n), -20i128..=20),
                1..=5,
            );
            (first, rest, rows).prop_map(|(first, rest, rows)| Case {
                bounds: std::iter::once(first).chain(rest).collect(),
                rows,
            })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn agrees_with_brute_force(case in case()) {
            let system = case.system();
            let vars = case.bounds.len();
            let found = solve(vars, &system);
            prop_assert!(found.is_ok(), "incomplete on {case:?}");
            let found = found.unwrap_or(None);
            prop_assert_eq!(found.is_some(), case.brute(), "{:?} on {:?}", found, case);
            if let Some(w) = found {
                prop_assert_eq!(w.len(), vars);
                prop_assert!(satisfies(&system, &w), "{:?} breaks {:?}", w, case);
            }
        }
    }

    /// A system over `1..=3` variables bounded inside [−4, 4], with
    /// coefficients ±1 or 0 (the class the analysis solved before the
    /// Omega test).
    fn unit_case() -> impl Strategy<Value = Case> {
        let bounded = (-4i128..=4, -4i128..=4).prop_map(|(a, b)| (Some(a.min(b)), Some(a.max(b))));
        (1usize..=3).prop_flat_map(move |n| {
            let bounds = proptest::collection::vec(bounded.clone(), n);
            let rows = proptest::collection::vec(
                (proptest::collection::vec(-1i128..=1, n), -6i128..=6),
                1..=4,
            );
            (bounds, rows).prop_map(|(bounds, rows)| Case { bounds, rows })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// When every step is exact and in order, the witness is the
        /// lowest point taking the last variable first: the lowest value
        /// of the last variable, then of the one before given it, and so
        /// on (what Fourier–Motzkin gave for these systems).
        #[test]
        fn exact_steps_give_the_lowest_witness(case in unit_case()) {
            let system = case.system();
            let vars = case.bounds.len();
            let mut solver = Solver::new(vars);
            let found = solver.solve(vars, &system);
            prop_assert!(found.is_ok());
            let mut pts = points(vars, &system, -4, 4);
            prop_assert_eq!(matches!(found, Ok(Some(_))), !pts.is_empty());
            if let Ok(Some(w)) = found {
                if solver.branches == 0 && solver.fresh == vars {
                    for v in (0..vars).rev() {
                        let low = pts.iter().map(|p| p[v]).min();
                        pts.retain(|p| Some(p[v]) == low);
                    }
                    prop_assert_eq!(Some(&w), pts.first());
                }
            }
        }
    }
}
