//! The usage counters an action's rows read, and how their windows nest:
//! one definition for the analysis's domain (`lints`) and for witness
//! requests (`witness`).

use remit_table::{CounterInfo, Table};

/// The counters of one action: no row of the action reads another, and a
/// large table lists hundreds.
pub(crate) fn of_action<'t>(table: &'t Table, action: &str) -> Vec<(&'t String, &'t CounterInfo)> {
    table
        .counters
        .iter()
        .filter(|(_, c)| c.actions.iter().any(|a| a == action))
        .collect()
}

/// Each pair `(shorter, longer)` of counters over the same actions,
/// subject and measure whose windows nest: the shorter window never holds
/// more than the longer one (LANGUAGE.md §6, realisable counters).
pub(crate) fn nested<'c, 't: 'c>(
    counters: &'c [(&'t String, &'t CounterInfo)],
) -> impl Iterator<Item = (&'t String, &'t String)> + 'c {
    counters.iter().flat_map(move |(short_id, short)| {
        counters.iter().filter_map(move |(long_id, long)| {
            (short.per == long.per
                && short.actions == long.actions
                && short.measure == long.measure
                && short.window_minutes < long.window_minutes)
                .then_some((*short_id, *long_id))
        })
    })
}
