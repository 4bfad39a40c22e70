//! `remit doc`

use crate::atomic_write::write_atomically;
use crate::cli::DocArgs;
use crate::output::{analyze_dir, policy_dirs};
use crate::stdio::errln;
use crate::{Outcome, UsageError};
use remit_diagnostics::LintLevels;

pub fn run(args: &DocArgs) -> Result<Outcome, UsageError> {
    let dirs = policy_dirs(std::slice::from_ref(&args.path))?;
    let [dir] = dirs.as_slice() else {
        return Err(UsageError(format!(
            "`{}` holds {} policies; `remit doc` documents one: name its directory",
            args.path.display(),
            dirs.len()
        )));
    };
    let analysis = analyze_dir(dir, &LintLevels::new())?;
    if analysis.checked.has_errors() {
        return Err(UsageError(format!(
            "`{}` does not compile; run `remit check` on it first",
            dir.display()
        )));
    }
    std::fs::create_dir_all(&args.output)
        .map_err(|e| UsageError(format!("cannot create `{}`: {e}", args.output.display())))?;
    let model = &analysis.checked.model;
    write_atomically(&args.output.join("index.md"), &remit_doc::markdown(model))?;
    write_atomically(&args.output.join("index.html"), &remit_doc::html(model))?;
    errln!(
        "wrote {} and {}",
        args.output.join("index.md").display(),
        args.output.join("index.html").display()
    );
    Ok(Outcome::Clean)
}
