//! Role inheritance: every role's ancestors, inheritance cycles, and the
//! limits that keep both bounded.
//!
//! The roles and their `extends` form a graph. Its strongly connected
//! components (Tarjan's algorithm, iterative, so no recursion can overflow
//! the stack) are the cycles, and come out parents first, so each
//! component's ancestors are the union of its parents' ancestors, computed
//! once. The table lists every role's ancestors, so a long chain of roles
//! has a quadratic number of (role, ancestor) pairs however they are
//! computed: inheritance deeper than [`MAX_INHERITANCE_DEPTH`] levels, or
//! with more than [`MAX_ANCESTOR_PAIRS`] pairs, is refused with
//! `role_hierarchy_too_large`, and computing stops there.

use crate::checker::{list_some, Checker};
use crate::model::{Id, IndexVec, RoleId};
use remit_diagnostics::{Code, Diagnostic};
use std::collections::BTreeSet;

/// How many levels of `extends` a role may have above it.
pub const MAX_INHERITANCE_DEPTH: usize = 64;

/// How many (role, ancestor) pairs the roles of a policy may have in all.
pub const MAX_ANCESTOR_PAIRS: usize = 100_000;

/// How many roles a diagnostic labels.
const SHOWN_ROLES: usize = 8;

/// The strongly connected components of the graph `edges` (node → the
/// nodes it points to), each sorted, a component after every component it
/// reaches. Iterative Tarjan: linear, with no recursion.
fn components<I: Id>(edges: &IndexVec<I, Vec<I>>) -> Vec<Vec<I>> {
    let mut t = Tarjan {
        index: vec![None; edges.len()],
        low: vec![0; edges.len()],
        on_stack: vec![false; edges.len()],
        stack: Vec::new(),
        calls: Vec::new(),
        next: 0,
    };
    let mut out = Vec::new();
    for root in edges.ids() {
        if t.index[root.index()].is_some() {
            continue;
        }
        t.visit(root.index());
        while let Some(top) = t.calls.last_mut() {
            let (v, followed) = *top;
            if let Some(w) = edges[I::from_index(v)].get(followed).map(|w| w.index()) {
                top.1 += 1;
                match t.index[w] {
                    None => t.visit(w),
                    Some(iw) if t.on_stack[w] => t.low[v] = t.low[v].min(iw),
                    Some(_) => {}
                }
                continue;
            }
            t.calls.pop();
            if let Some(&(u, _)) = t.calls.last() {
                t.low[u] = t.low[u].min(t.low[v]);
            }
            if Some(t.low[v]) == t.index[v] {
                let mut component = Vec::new();
                while let Some(w) = t.stack.pop() {
                    t.on_stack[w] = false;
                    component.push(I::from_index(w));
                    if w == v {
                        break;
                    }
                }
                component.sort_unstable();
                out.push(component);
            }
        }
    }
    out
}

/// The state of Tarjan's algorithm, with the call stack made explicit.
struct Tarjan {
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    /// (node, how many of its edges have been followed)
    calls: Vec<(usize, usize)>,
    next: usize,
}

impl Tarjan {
    fn visit(&mut self, v: usize) {
        self.index[v] = Some(self.next);
        self.low[v] = self.next;
        self.next += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        self.calls.push((v, 0));
    }
}

impl Checker {
    /// Computes every role's ancestors and reports inheritance cycles and
    /// hierarchies over the limits.
    pub(crate) fn inheritance(&mut self) {
        let edges: IndexVec<RoleId, Vec<RoleId>> =
            self.model.roles.iter().map(|r| r.extends.clone()).collect();
        let n = edges.len();
        let components = components(&edges);
        let mut component_of: IndexVec<RoleId, usize> = vec![0; n].into();
        for (c, members) in components.iter().enumerate() {
            for &m in members {
                component_of[m] = c;
            }
        }
        // Per component: its ancestors (outside it), depth, and the parent
        // component its depth comes from (to name the chain).
        let mut ancestors: Vec<Vec<RoleId>> = vec![Vec::new(); components.len()];
        let mut depth: Vec<usize> = vec![0; components.len()];
        let mut from: Vec<Option<usize>> = vec![None; components.len()];
        let mut mark: IndexVec<RoleId, usize> = vec![usize::MAX; n].into();
        let mut pairs = 0usize;
        // Union steps, bounded too: many roles extending many roles that
        // share ancestors cost more steps than they make pairs.
        let mut work = 0usize;
        let mut stopped = false;
        for (c, members) in components.iter().enumerate() {
            let cyclic = members.len() > 1 || edges[members[0]].contains(&members[0]);
            if cyclic {
                self.cycle(members);
            }
            if stopped {
                continue;
            }
            let mut found: Vec<RoleId> = Vec::new();
            for &m in members {
                for &p in &edges[m] {
                    let pc = component_of[p];
                    if pc == c {
                        continue;
                    }
                    if depth[pc] + 1 > depth[c] {
                        depth[c] = depth[pc] + 1;
                        from[c] = Some(pc);
                    }
                    work += ancestors[pc].len() + 1;
                    for &a in std::iter::once(&p).chain(ancestors[pc].iter()) {
                        if mark[a] != c {
                            mark[a] = c;
                            found.push(a);
                        }
                    }
                }
            }
            let per_member = found.len() + if cyclic { members.len() - 1 } else { 0 };
            pairs = pairs.saturating_add(per_member.saturating_mul(members.len()));
            if depth[c] > MAX_INHERITANCE_DEPTH {
                self.too_deep(&components, &from, c, depth[c]);
                stopped = true;
                continue;
            }
            if pairs > MAX_ANCESTOR_PAIRS || work > 4 * MAX_ANCESTOR_PAIRS {
                self.too_many_pairs(members[0]);
                stopped = true;
                continue;
            }
            for &m in members {
                let mut own: BTreeSet<RoleId> = found.iter().copied().collect();
                if cyclic {
                    own.extend(members.iter().copied().filter(|x| *x != m));
                }
                self.model.roles[m].ancestors = own;
            }
            if cyclic {
                found.extend(members.iter().copied());
            }
            ancestors[c] = found;
        }
    }

    /// Reports one inheritance cycle (the roles of one component).
    fn cycle(&mut self, members: &[RoleId]) {
        let names: Vec<String> = members
            .iter()
            .map(|r| self.model.roles[*r].name.clone())
            .collect();
        let path = if members.len() == 1 {
            format!("`{}` extends itself", names[0])
        } else {
            format!("{} extend each other", list_some(&names))
        };
        let mut d = Diagnostic::new(
            Code::INHERITANCE_CYCLE,
            format!("role inheritance cycle: {path}"),
            self.model.roles[members[0]].span,
            "part of the cycle",
        )
        .help("a role may only extend roles below it; remove one `extends` to break the cycle");
        for r in members.iter().skip(1).take(SHOWN_ROLES) {
            d = d.secondary(self.model.roles[*r].span, "also part of the cycle");
        }
        self.error(d);
    }

    /// Reports the first role deeper than [`MAX_INHERITANCE_DEPTH`], with
    /// the top of its chain.
    fn too_deep(
        &mut self,
        components: &[Vec<RoleId>],
        from: &[Option<usize>],
        c: usize,
        depth: usize,
    ) {
        // Parent components come first, so the chain only goes down.
        let mut top = c;
        while let Some(p) = from[top] {
            top = p;
        }
        let role = &self.model.roles[components[c][0]];
        let root = &self.model.roles[components[top][0]];
        let d = Diagnostic::new(
            Code::ROLE_HIERARCHY_TOO_LARGE,
            format!(
                "role `{}` is {depth} levels of `extends` below `{}`, more than the {MAX_INHERITANCE_DEPTH} allowed",
                role.name, root.name
            ),
            role.span,
            format!("{depth} levels deep"),
        )
        .secondary(root.span, "the top of the chain")
        .help("flatten the hierarchy: let a role extend the role it really adds to, not every level in between");
        self.error(d);
    }

    /// Reports that the roles have more than [`MAX_ANCESTOR_PAIRS`]
    /// (role, ancestor) pairs, at the role where the count passed it.
    fn too_many_pairs(&mut self, at: RoleId) {
        let role = &self.model.roles[at];
        let d = Diagnostic::new(
            Code::ROLE_HIERARCHY_TOO_LARGE,
            format!(
                "the roles have more than {MAX_ANCESTOR_PAIRS} (role, ancestor) pairs, counting up to `{}`",
                role.name
            ),
            role.span,
            "the limit is passed here",
        )
        .help("the table lists every role's ancestors: extend fewer roles, or split the policy");
        self.error(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The graph with these edges, node `i` being role `i`.
    fn graph(edges: Vec<Vec<usize>>) -> IndexVec<RoleId, Vec<RoleId>> {
        edges
            .into_iter()
            .map(|e| e.into_iter().map(RoleId::from_index).collect())
            .collect()
    }

    /// The components as plain indices.
    fn indices(components: Vec<Vec<RoleId>>) -> Vec<Vec<usize>> {
        components
            .into_iter()
            .map(|c| c.into_iter().map(RoleId::index).collect())
            .collect()
    }

    #[test]
    fn components_come_parents_first_with_cycles_together() {
        // 0 extends 1, 1 extends 2 and 3, 3 extends 1 (a cycle 1–3), 4 alone.
        let edges = graph(vec![vec![1], vec![2, 3], vec![], vec![1], vec![]]);
        let c = indices(components(&edges));
        assert_eq!(c, vec![vec![2], vec![1, 3], vec![0], vec![4]]);
    }

    #[test]
    fn a_long_chain_needs_no_recursion() {
        let n = 200_000;
        let edges = graph(
            (0..n)
                .map(|i| if i + 1 < n { vec![i + 1] } else { vec![] })
                .collect(),
        );
        let c = indices(components(&edges));
        assert_eq!(c.len(), n);
        assert_eq!(c[0], vec![n - 1]);
    }

    #[test]
    fn the_limits_are_the_ones_the_code_documents() {
        let summary = Code::ROLE_HIERARCHY_TOO_LARGE.summary;
        assert!(summary.contains(&format!(" {MAX_INHERITANCE_DEPTH} levels")));
        assert!(summary.contains(&format!(" {MAX_ANCESTOR_PAIRS} (role")));
    }
}
