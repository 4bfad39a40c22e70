//! `remit fmt`

use crate::cli::FmtArgs;
use crate::{Outcome, UsageError};
use remit_analysis::workspace;
use remit_diagnostics::{render, Sources};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

pub fn run(args: &FmtArgs) -> Result<Outcome, UsageError> {
    if args.stdin {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        return Ok(match remit_fmt::format_source(&text) {
            Ok(formatted) => {
                print!("{formatted}");
                Outcome::Clean
            }
            Err(e) => {
                report("<stdin>", &text, &e);
                Outcome::Failed
            }
        });
    }
    let mut failed = false;
    for file in files(&args.paths)? {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| UsageError(format!("cannot read `{}`: {e}", file.display())))?;
        let formatted = match remit_fmt::format_source(&text) {
            Ok(f) => f,
            Err(e) => {
                report(&file.display().to_string(), &text, &e);
                failed = true;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        if args.check {
            let name = file.display().to_string();
            let diff = similar::TextDiff::from_lines(&text, &formatted);
            print!(
                "{}",
                diff.unified_diff()
                    .context_radius(2)
                    .header(&name, &format!("{name} (formatted)"))
            );
            failed = true;
        } else {
            write_atomically(&file, &formatted)?;
            eprintln!("formatted {}", file.display());
        }
    }
    Ok(if failed {
        Outcome::Failed
    } else {
        Outcome::Clean
    })
}

/// Every `.remit` file the paths stand for, sorted, without repeats.
fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() {
            out.push(p.clone());
            continue;
        }
        for dir in workspace::discover(p)? {
            out.extend(workspace::policy_files(&dir)?);
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn report(name: &str, text: &str, e: &remit_fmt::FormatError) {
    let mut sources = Sources::new();
    sources.add(name, text);
    eprint!("{}", render::human(&sources, &e.diagnostics, false));
    eprintln!("error: `{name}` was left unchanged: it does not parse");
}

/// Writes next to the file, then renames over it.
pub(crate) fn write_atomically(path: &Path, text: &str) -> Result<(), UsageError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| UsageError(format!("cannot write in `{}`: {e}", dir.display())))?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .map_err(|e| UsageError(format!("cannot write `{}`: {}", path.display(), e.error)))?;
    Ok(())
}
