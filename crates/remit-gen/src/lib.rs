//! Generators of large, realistic policies for benchmarks.
//!
//! [`department_policy`] writes an organisation with departments, three
//! levels of staff per department (agent < lead < manager), twenty actions
//! and rules with segments, `when` conditions, caps, count limits,
//! budgets, obligations, escalations and some forbids: the shape of a real
//! policy, scaled up. [`overlap_table`] writes the shape of the published
//! DMN decision-table analyses: one role, one action, N rules over K
//! integer attributes, about 10% of which overlap a rule with a different
//! outcome.

use std::fmt::Write;

/// A deterministic pseudo-random sequence (xorshift64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const TIERS: &[&str] = &["basic", "bronze", "silver", "gold", "platinum", "diamond"];
const INCIDENTS: &[&str] = &[
    "late",
    "damaged",
    "missing",
    "wrong_item",
    "billing",
    "noise",
    "dirty",
    "rude_staff",
    "outage",
    "overcharge",
    "delay",
    "cancelled",
];
const CHANNELS: &[&str] = &["store", "phone", "chat", "email"];
const LEVELS: &[&str] = &["agent", "lead", "manager"];

/// A policy with about `rules` rules, as one source text.
pub fn department_policy(rules: usize) -> String {
    let departments = (rules / 500).clamp(4, 40);
    let actions = 20;
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut s = String::with_capacity(rules * 260);
    let _ = writeln!(s, "policy generated version \"1\"\ncurrency USD\n");
    let _ = writeln!(s, "enum Tier {{ {} }}", TIERS.join(", "));
    let _ = writeln!(s, "enum Incident {{ {} }}", INCIDENTS.join(", "));
    let _ = writeln!(s, "enum Channel {{ {} }}", CHANNELS.join(", "));
    let _ = writeln!(
        s,
        "customer {{\n  tier: Tier\n  tenure_days: Int\n  flagged: Bool\n  spend: Money\n}}"
    );
    let _ = writeln!(
        s,
        "context {{\n  incident: Incident\n  channel: Channel\n  wait: Duration\n}}"
    );
    for d in 0..departments {
        let _ = writeln!(s, "role d{d}_agent\nrole d{d}_lead extends d{d}_agent\nrole d{d}_manager extends d{d}_lead");
    }
    let _ = writeln!(s, "role director");
    for a in 0..actions {
        let _ = writeln!(s, "action act{a}(amount: Money)");
    }
    let _ = writeln!(
        s,
        "obligation reason \"Record a reason code\"\nobligation evidence \"Attach evidence\""
    );
    let _ = writeln!(s, "segment loyal = customer.tier in {{gold, platinum, diamond}} or customer.tenure_days >= 365");
    let _ = writeln!(
        s,
        "situation failure = context.incident in {{late, damaged, missing, wrong_item}}\n"
    );
    // Every manager and the director may act up to a high cap, so that
    // escalations always land somewhere.
    for a in 0..actions {
        let _ = writeln!(
            s,
            "rule director_act{a} {{\n  permit director to act{a}\n  for any customer\n  limit amount <= 20000 USD\n  limit total 50000 USD per customer per 365 days\n  require reason, evidence\n}}\n"
        );
    }
    // Each department's manager decides whatever its staff escalate.
    for d in 0..departments {
        for a in 0..actions {
            let _ = writeln!(
                s,
                "rule d{d}_manager_act{a} {{\n  permit d{d}_manager to act{a}\n  for any customer\n  limit amount <= 2000 USD\n  limit total 5000 USD per customer per 365 days\n  require reason\n  otherwise escalate to director\n}}\n"
            );
        }
    }
    let mut n = actions * (departments + 1);
    let mut i = 0u64;
    while n < rules {
        let d = (i as usize) % departments;
        let level = (i as usize / departments) % LEVELS.len();
        let a = rng.below(actions as u64);
        let role = format!("d{d}_{}", LEVELS[level]);
        let up = if level + 1 < LEVELS.len() {
            format!("d{d}_manager")
        } else {
            "director".to_string()
        };
        let cap = [50, 200, 1000][level] + rng.below(50) * 5;
        let kind = rng.below(20);
        let tier_from = rng.below(TIERS.len() as u64 - 1) as usize;
        let tiers = TIERS[tier_from..].join(", ");
        let i0 = rng.below(INCIDENTS.len() as u64 - 2) as usize;
        let incidents = INCIDENTS[i0..i0 + 3].join(", ");
        if kind == 0 {
            let _ = writeln!(
                s,
                "rule r{i}_forbid {{\n  forbid {role} to act{a}\n  for customer.flagged and customer.tier in {{basic, bronze}}\n  when context.channel == email\n}}\n"
            );
        } else if kind == 1 && level < 2 {
            let _ = writeln!(
                s,
                "rule r{i}_escalate {{\n  escalate act{a} from {role} to d{d}_manager\n  for customer.flagged\n  when context.incident in {{{incidents}}} and amount > {cap} USD\n}}\n"
            );
        } else {
            let wait = 10 + rng.below(6) * 10;
            let count = 1 + rng.below(4);
            let window = [7, 30, 90][rng.below(3) as usize];
            let _ = writeln!(
                s,
                "/// Generated rule {i}.\nrule r{i} {{\n  permit {role} to act{a}\n  for (loyal or customer.tier in {{{tiers}}}) and not customer.flagged\n  when (failure or context.incident in {{{incidents}}}) and context.wait >= {wait} minutes and context.channel != email\n  limit amount <= {cap} USD\n  limit {count} per customer per {window} days\n  limit total {} USD per customer per {window} days\n  require reason\n  otherwise escalate to {up}\n}}\n",
                cap * 3
            );
        }
        n += 1;
        i += 1;
    }
    s
}

/// A DMN-shaped policy: one role and one action, `rules` rules over
/// `attributes` integer attributes, about 10% of which overlap a rule with
/// a different outcome (a permit and an escalation).
pub fn overlap_table(rules: usize, attributes: usize) -> String {
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    let attributes = attributes.max(1);
    let mut s = String::with_capacity(rules * 200);
    let _ = writeln!(s, "policy dmn\ncustomer {{");
    for k in 0..attributes {
        let _ = writeln!(s, "  a{k}: Int");
    }
    let _ = writeln!(s, "}}\nrole clerk\nrole supervisor\naction decide\n");
    let _ = writeln!(s, "rule supervisor_decides {{\n  permit supervisor to decide\n  for any customer\n  limit 1000 per customer per 1 day\n}}\n");
    // Rules tile a grid on the first attribute; the others add bands.
    for i in 0..rules {
        let width = 10;
        let lo = i as u64 * width;
        // One rule in ten reaches into its neighbour's cell.
        let hi = if i % 10 == 9 {
            lo + width + 4
        } else {
            lo + width - 1
        };
        let mut cond = format!("customer.a0 >= {lo} and customer.a0 <= {hi}");
        for k in 1..attributes {
            let b = rng.below(5) * 100;
            let _ = write!(
                cond,
                " and customer.a{k} >= {b} and customer.a{k} <= {}",
                b + 499
            );
        }
        if i % 2 == 0 {
            let _ = writeln!(s, "rule r{i} {{\n  permit clerk to decide\n  for {cond}\n  limit 5 per customer per 1 day\n}}\n");
        } else {
            let _ = writeln!(
                s,
                "rule r{i} {{\n  escalate decide from clerk to supervisor\n  for {cond}\n}}\n"
            );
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use remit_diagnostics::{LintLevels, Sources};

    fn analyze(text: String) -> remit_analysis::Analysis {
        let mut sources = Sources::new();
        sources.add("generated.remit", text);
        remit_analysis::analyze(sources, "generated", &LintLevels::new())
    }

    #[test]
    fn generated_department_policy_compiles_without_errors() {
        let a = analyze(department_policy(600));
        let errors: Vec<_> = a
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.message.clone())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert!(a.checked.model.rules.len() >= 600);
        assert!(a.lowered.table.rows.len() >= 600);
    }

    #[test]
    fn overlap_table_finds_the_planted_overlaps() {
        let a = analyze(overlap_table(100, 3));
        let conflicts = a
            .diagnostics
            .iter()
            .filter(|d| d.code.name == "conflicting_outcomes")
            .count();
        // Rules 9, 19, …, 99 reach into the next cell; the odd ones are
        // escalations, so each planted overlap pairs a permit with an
        // escalation whenever the bands of the other attributes meet.
        assert!((1..=10).contains(&conflicts), "{conflicts} conflicts");
    }
}
