//! `remit check`

use crate::cli::{CheckArgs, Format};
use crate::output::{analyze_dir, levels, policy_dirs, print, summary};
use crate::stdio::errln;
use crate::{Outcome, UsageError};

pub fn run(args: &CheckArgs) -> Result<Outcome, UsageError> {
    let levels = levels(&args.diagnostics)?;
    let analyses = policy_dirs(&args.paths)?
        .iter()
        .map(|d| analyze_dir(d, &levels))
        .collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<_> = analyses.iter().collect();
    print(&refs, &args.diagnostics);
    let (errors, _, text) = summary(&refs);
    if args.diagnostics.format == Format::Human {
        let n = analyses.len();
        errln!(
            "checked {n} {}: {text}",
            if n == 1 { "policy" } else { "policies" }
        );
    }
    Ok(if errors > 0 {
        Outcome::Failed
    } else {
        Outcome::Clean
    })
}
