//! Typed ids for the entities of a [`Model`](crate::Model), and the vector
//! they index.
//!
//! Each kind of entity has its own id type, so passing an obligation where
//! a role is expected, or indexing the roles with a rule, does not compile.
//! An [`IndexVec<I, T>`] is indexed only by its own id type `I`; it hands out
//! ids with [`IndexVec::push`], [`IndexVec::ids`], [`IndexVec::iter_enumerated`]
//! and [`IndexVec::position`].
//!
//! ```
//! use remit_sema::model::{Model, ObligationId, RoleId};
//!
//! fn role_name(model: &Model, role: RoleId) -> &str {
//!     &model.roles[role].name
//! }
//! fn obligation_name(model: &Model, obligation: ObligationId) -> &str {
//!     &model.obligations[obligation].name
//! }
//! ```
//!
//! Mixing them up does not compile:
//!
//! ```compile_fail,E0308
//! use remit_sema::model::{Model, ObligationId};
//!
//! fn role_name(model: &Model, obligation: ObligationId) -> &str {
//!     &model.roles[obligation].name
//! }
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

/// An id: a position in an [`IndexVec`] of one kind of entity.
pub trait Id: Copy + Ord + fmt::Debug + 'static {
    /// The id of the entity at position `index`.
    fn from_index(index: usize) -> Self;
    /// The position it names.
    fn index(self) -> usize;
}

/// Declares id newtypes, each implementing [`Id`].
macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        pub struct $name(usize);

        impl Id for $name {
            fn from_index(index: usize) -> Self {
                $name(index)
            }

            fn index(self) -> usize {
                self.0
            }
        }
    )*};
}

ids! {
    /// A role: index into [`Model::roles`](crate::Model::roles).
    RoleId;
    /// An action: index into [`Model::actions`](crate::Model::actions).
    ActionId;
    /// A parameter of one action: index into
    /// [`ActionDef::params`](crate::ActionDef::params).
    ParamId;
    /// An obligation: index into
    /// [`Model::obligations`](crate::Model::obligations).
    ObligationId;
    /// A segment: index into [`Model::segments`](crate::Model::segments).
    SegmentId;
    /// A situation: index into [`Model::situations`](crate::Model::situations).
    SituationId;
    /// A rule: index into [`Model::rules`](crate::Model::rules).
    RuleId;
    /// A test: index into [`Model::tests`](crate::Model::tests).
    TestId;
    /// An outcome: index into [`Model::outcomes`](crate::Model::outcomes).
    OutcomeId;
    /// An enum: index into [`Model::enums`](crate::Model::enums).
    EnumId;
    /// A variant of one enum: index into
    /// [`EnumDef::variants`](crate::EnumDef::variants).
    VariantId;
    /// A customer attribute: index into
    /// [`Model::customer`](crate::Model::customer).
    CustomerAttrId;
    /// A context attribute: index into
    /// [`Model::context`](crate::Model::context).
    ContextAttrId;
}

/// A vector indexed by one id type.
pub struct IndexVec<I, T> {
    raw: Vec<T>,
    id: PhantomData<fn(I) -> I>,
}

impl<I: Id, T> IndexVec<I, T> {
    /// An empty vector.
    pub fn new() -> Self {
        IndexVec {
            raw: Vec::new(),
            id: PhantomData,
        }
    }

    /// Appends `value` and returns its id.
    pub fn push(&mut self, value: T) -> I {
        self.raw.push(value);
        I::from_index(self.raw.len() - 1)
    }

    /// The id the next [`IndexVec::push`] returns.
    pub fn next_id(&self) -> I {
        I::from_index(self.raw.len())
    }

    /// How many entities it holds.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The entity with this id, if there is one.
    pub fn get(&self, id: I) -> Option<&T> {
        self.raw.get(id.index())
    }

    /// The entity with this id, mutably, if there is one.
    pub fn get_mut(&mut self, id: I) -> Option<&mut T> {
        self.raw.get_mut(id.index())
    }

    /// The entities, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.raw.iter()
    }

    /// The entities, mutably, in order.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.raw.iter_mut()
    }

    /// The entities as a plain slice, for APIs that take one (such as
    /// parallel iteration); positions in it are the ids' indices.
    pub fn as_slice(&self) -> &[T] {
        &self.raw
    }

    /// The entities with their ids, in order.
    pub fn iter_enumerated(&self) -> impl DoubleEndedIterator<Item = (I, &T)> + '_ {
        self.raw
            .iter()
            .enumerate()
            .map(|(i, t)| (I::from_index(i), t))
    }

    /// Every id, in order.
    pub fn ids(&self) -> impl DoubleEndedIterator<Item = I> + 'static {
        (0..self.raw.len()).map(I::from_index)
    }

    /// The id of the first entity that satisfies `pred`.
    pub fn position(&self, pred: impl FnMut(&T) -> bool) -> Option<I> {
        self.raw.iter().position(pred).map(I::from_index)
    }

    /// The first entity.
    pub fn first(&self) -> Option<&T> {
        self.raw.first()
    }

    /// The last entity.
    pub fn last(&self) -> Option<&T> {
        self.raw.last()
    }
}

impl<I, T> Default for IndexVec<I, T> {
    fn default() -> Self {
        IndexVec {
            raw: Vec::new(),
            id: PhantomData,
        }
    }
}

impl<I, T: Clone> Clone for IndexVec<I, T> {
    fn clone(&self) -> Self {
        IndexVec {
            raw: self.raw.clone(),
            id: PhantomData,
        }
    }
}

impl<I, T: fmt::Debug> fmt::Debug for IndexVec<I, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.raw.fmt(f)
    }
}

impl<I, T: PartialEq> PartialEq for IndexVec<I, T> {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl<I, T: Eq> Eq for IndexVec<I, T> {}

impl<I: Id, T> Index<I> for IndexVec<I, T> {
    type Output = T;

    fn index(&self, id: I) -> &T {
        &self.raw[id.index()]
    }
}

impl<I: Id, T> IndexMut<I> for IndexVec<I, T> {
    fn index_mut(&mut self, id: I) -> &mut T {
        &mut self.raw[id.index()]
    }
}

impl<I, T> From<Vec<T>> for IndexVec<I, T> {
    fn from(raw: Vec<T>) -> Self {
        IndexVec {
            raw,
            id: PhantomData,
        }
    }
}

impl<I, T> FromIterator<T> for IndexVec<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(iter: It) -> Self {
        IndexVec {
            raw: iter.into_iter().collect(),
            id: PhantomData,
        }
    }
}

impl<'a, I, T> IntoIterator for &'a IndexVec<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.raw.iter()
    }
}

impl<I, T> IntoIterator for IndexVec<I, T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.raw.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_hands_out_the_id_that_indexes_the_value() {
        let mut roles: IndexVec<RoleId, &str> = IndexVec::new();
        let agent = roles.push("agent");
        let manager = roles.push("manager");
        assert_eq!(roles[agent], "agent");
        assert_eq!(roles[manager], "manager");
        assert_eq!(roles.position(|r| *r == "manager"), Some(manager));
        assert_eq!(roles.ids().collect::<Vec<_>>(), vec![agent, manager]);
        assert_eq!(
            roles
                .iter_enumerated()
                .map(|(id, r)| (id.index(), *r))
                .collect::<Vec<_>>(),
            vec![(0, "agent"), (1, "manager")]
        );
    }

    #[test]
    fn get_is_none_past_the_end() {
        let roles: IndexVec<RoleId, &str> = vec!["agent"].into();
        assert_eq!(roles.get(RoleId::from_index(0)), Some(&"agent"));
        assert_eq!(roles.get(RoleId::from_index(1)), None);
    }
}
