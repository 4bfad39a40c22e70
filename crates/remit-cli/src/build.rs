//! `remit build`

use crate::atomic_write::write_atomically;
use crate::cli::BuildArgs;
use crate::output::{analyze_dir, levels, policy_dirs, print, summary};
use crate::stdio::{errln, out};
use crate::{Outcome, UsageError};

pub fn run(args: &BuildArgs) -> Result<Outcome, UsageError> {
    let levels = levels(&args.diagnostics)?;
    let dirs = policy_dirs(std::slice::from_ref(&args.path))?;
    let [dir] = dirs.as_slice() else {
        return Err(UsageError(format!(
            "`{}` holds {} policies; `remit build` compiles one: name its directory",
            args.path.display(),
            dirs.len()
        )));
    };
    let analysis = analyze_dir(dir, &levels)?;
    print(&[&analysis], &args.diagnostics);
    let (errors, _, text) = summary(&[&analysis]);
    if errors > 0 {
        errln!("error: not writing a table: {text}");
        return Ok(Outcome::Failed);
    }
    let mut json = serde_json::to_string_pretty(&analysis.lowered.table)?;
    json.push('\n');
    match &args.output {
        None => out!("{json}"),
        Some(path) => {
            write_atomically(path, &json)?;
            errln!(
                "wrote {} ({} rows, {})",
                path.display(),
                analysis.lowered.table.rows.len(),
                analysis.lowered.table.digest
            );
        }
    }
    Ok(Outcome::Clean)
}
