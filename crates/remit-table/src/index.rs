//! The per-(role, action) decision tree that `decide` walks, and the
//! variant bitsets it and the compiled rows test.
//!
//! Only required enum and bool inputs split the tree: an optional one may
//! be absent, and then every row that does not constrain it is a candidate.

use crate::compile::{CompiledRow, Slot, Test};
use crate::v2::InputType;

/// A set of variant indices: the first 64 inline, the rest on the heap
/// (only for enums with more than 64 variants).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Bits {
    low: u64,
    high: Vec<u64>,
}

impl Bits {
    pub fn of(indices: impl IntoIterator<Item = usize>, len: usize) -> Bits {
        let mut bits = Bits {
            low: 0,
            high: vec![0; len.saturating_sub(64).div_ceil(64)],
        };
        for i in indices {
            if i < 64 {
                bits.low |= 1 << i;
            } else if let Some(w) = bits.high.get_mut((i - 64) / 64) {
                *w |= 1 << ((i - 64) % 64);
            }
        }
        bits
    }

    pub fn has(&self, i: u32) -> bool {
        let i = i as usize;
        if i < 64 {
            self.low & (1 << i) != 0
        } else {
            self.high
                .get((i - 64) / 64)
                .is_some_and(|w| w & (1 << ((i - 64) % 64)) != 0)
        }
    }

    /// Whether `self` holds every bit of `other`.
    pub fn covers(&self, other: &Bits) -> bool {
        self.low & other.low == other.low
            && other
                .high
                .iter()
                .enumerate()
                .all(|(i, w)| self.high.get(i).copied().unwrap_or(0) & w == *w)
    }

    /// How many bits are set.
    pub fn count(&self) -> usize {
        self.low.count_ones() as usize
            + self
                .high
                .iter()
                .map(|w| w.count_ones() as usize)
                .sum::<usize>()
    }

    /// Whether the two share a bit.
    pub fn meets(&self, other: &Bits) -> bool {
        self.low & other.low != 0
            || self
                .high
                .iter()
                .zip(other.high.iter())
                .any(|(a, b)| a & b != 0)
    }
}

/// A decision tree over a group's rows: at a split, the rows that can
/// match each variant of one input (rows that do not constrain the input
/// are in every branch).
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Leaf(Vec<usize>),
    Split { slot: usize, branches: Vec<Node> },
}

impl Default for Node {
    fn default() -> Self {
        Node::Leaf(Vec::new())
    }
}

/// Groups at most this large are scanned, not split.
const LEAF_ROWS: usize = 12;

/// A row's enum or bool test on `slot`, if it has one.
fn test_on(row: &CompiledRow, slot: usize) -> Option<&Test> {
    row.scope
        .iter()
        .find(|c| c.slot == slot)
        .map(|c| &c.test)
        .filter(|t| matches!(t, Test::Enum(_) | Test::Bool(_)))
}

/// The decision tree of a group's rows (at most three levels deep).
pub(crate) fn index_rows(rows: &[usize], compiled: &[CompiledRow], slots: &[Slot]) -> Node {
    build_index(rows, compiled, slots, 3)
}

fn build_index(rows: &[usize], compiled: &[CompiledRow], slots: &[Slot], depth: usize) -> Node {
    if rows.len() <= LEAF_ROWS || depth == 0 {
        return Node::Leaf(rows.to_vec());
    }
    let variants = |slot: usize| match slots[slot].ty {
        InputType::Enum => slots[slot].values.len(),
        InputType::Bool => 2,
        _ => 0,
    };
    // Count, for each input, how many row copies its split would make
    // (a row goes into every branch it can match), and keep the split
    // whose average branch is smallest.
    let mut candidates: Vec<usize> = rows
        .iter()
        .flat_map(|r| compiled[*r].scope.iter().map(|c| c.slot))
        .filter(|s| variants(*s) > 1 && !slots[*s].optional)
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    let mut best: Option<(usize, usize)> = None; // (slot, copies)
    for slot in candidates {
        let n = variants(slot);
        let copies: usize = rows
            .iter()
            .map(|r| match test_on(&compiled[*r], slot) {
                Some(Test::Enum(bits)) => bits.count(),
                Some(_) => 1,
                None => n,
            })
            .sum();
        if best.is_none_or(|(b, c)| copies * variants(b) < c * n) {
            best = Some((slot, copies));
        }
    }
    // Split only when the average branch is at most three quarters of the rows.
    let Some((slot, copies)) = best.filter(|(b, c)| c * 4 <= rows.len() * variants(*b) * 3) else {
        return Node::Leaf(rows.to_vec());
    };
    let n = variants(slot);
    let mut branches: Vec<Vec<usize>> = vec![Vec::with_capacity(copies / n + 1); n];
    for &r in rows {
        match test_on(&compiled[r], slot) {
            Some(Test::Enum(bits)) => (0..n)
                .filter(|v| bits.has(*v as u32))
                .for_each(|v| branches[v].push(r)),
            Some(Test::Bool(b)) => branches[usize::from(*b)].push(r),
            _ => branches.iter_mut().for_each(|b| b.push(r)),
        }
    }
    Node::Split {
        slot,
        branches: branches
            .iter()
            .map(|b| build_index(b, compiled, slots, depth - 1))
            .collect(),
    }
}
