//! `remit build`

use crate::cli::BuildArgs;
use crate::output::{analyze_dir, levels, policy_dirs, print, summary};
use crate::{Outcome, UsageError};
use std::io::Write;

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
        eprintln!("error: not writing a table: {text}");
        return Ok(Outcome::Failed);
    }
    let mut json = serde_json::to_string_pretty(&analysis.lowered.table)?;
    json.push('\n');
    match &args.output {
        None => print!("{json}"),
        Some(path) => {
            // Write next to the target, then rename: never a half-written table.
            let parent = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let mut tmp = tempfile::NamedTempFile::new_in(parent)
                .map_err(|e| UsageError(format!("cannot write in `{}`: {e}", parent.display())))?;
            tmp.write_all(json.as_bytes())?;
            tmp.as_file().sync_all()?;
            tmp.persist(path).map_err(|e| {
                UsageError(format!("cannot write `{}`: {}", path.display(), e.error))
            })?;
            eprintln!(
                "wrote {} ({} rows, {})",
                path.display(),
                analysis.lowered.table.rows.len(),
                analysis.lowered.table.digest
            );
        }
    }
    Ok(Outcome::Clean)
}
