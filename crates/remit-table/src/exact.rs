//! Exact sums of products of 64-bit integers, for relations.
//!
//! Each product of two `i64` fits in an `i128` (|p| ≤ 2^126), but a sum
//! of several may not. [`Sum`] keeps the sum as an `i128` that wraps
//! plus the number of wraps, which is exact for any number of terms
//! below 2^63, and compares with an `i64` bound without rounding.

use std::cmp::Ordering;

/// An exact integer: `low + wraps × 2^128`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Sum {
    low: i128,
    wraps: i64,
}

impl Sum {
    /// Adds `coefficient × value`.
    pub fn add_product(&mut self, coefficient: i64, value: i64) {
        self.add(i128::from(coefficient) * i128::from(value));
    }

    /// Adds `n`.
    pub fn add(&mut self, n: i128) {
        let (low, overflow) = self.low.overflowing_add(n);
        if overflow {
            // A positive addend wraps down, a negative one wraps up.
            self.wraps = self.wraps.saturating_add(if n > 0 { 1 } else { -1 });
        }
        self.low = low;
    }

    /// How the sum compares with `n`.
    pub fn cmp_to(self, n: i128) -> Ordering {
        match self.wraps.cmp(&0) {
            // low ≥ -2^127, so low + 2^128 ≥ 2^127 > any i128.
            Ordering::Greater => Ordering::Greater,
            Ordering::Less => Ordering::Less,
            Ordering::Equal => self.low.cmp(&n),
        }
    }

    /// The sum as an `i128`, when it is one.
    pub fn exact(self) -> Option<i128> {
        (self.wraps == 0).then_some(self.low)
    }

    /// The sign: -1, 0 or 1.
    pub fn signum(self) -> i64 {
        match self.cmp_to(0) {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        }
    }
}

/// `⌊a / b⌋` for `b > 0`.
pub(crate) fn floor_div(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b != 0 && a < 0 {
        q - 1
    } else {
        q
    }
}

/// `⌈a / b⌉` for `b > 0`.
pub(crate) fn ceil_div(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b != 0 && a > 0 {
        q + 1
    } else {
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_of_extreme_products_are_exact() {
        let mut s = Sum::default();
        s.add_product(i64::MIN, i64::MIN); // 2^126
        s.add_product(i64::MIN, i64::MIN); // 2^127: beyond i128
        assert_eq!(s.exact(), None);
        assert_eq!(s.cmp_to(i128::MAX), Ordering::Greater);
        s.add_product(i64::MIN, i64::MAX); // back below 2^127
        s.add_product(i64::MIN, i64::MAX);
        assert_eq!(s.exact(), Some(2 * (1i128 << 63)));
        let mut n = Sum::default();
        n.add_product(i64::MIN, i64::MAX);
        n.add_product(i64::MIN, i64::MAX);
        n.add_product(i64::MIN, i64::MAX);
        assert_eq!(n.cmp_to(i128::MIN), Ordering::Less);
        assert_eq!(n.signum(), -1);
    }

    #[test]
    fn division_rounds_toward_the_right_side() {
        assert_eq!(floor_div(7, 2), 3);
        assert_eq!(floor_div(-7, 2), -4);
        assert_eq!(ceil_div(7, 2), 4);
        assert_eq!(ceil_div(-7, 2), -3);
        assert_eq!(floor_div(-8, 2), -4);
        assert_eq!(ceil_div(8, 2), 4);
    }
}
