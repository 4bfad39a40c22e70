//! `remit fmt`

use crate::atomic_write::write_atomically;
use crate::cli::FmtArgs;
use crate::stdio::{err, errln, out};
use crate::{Outcome, UsageError};
use remit_analysis::workspace;
use remit_diagnostics::{render, Sources};
use std::io::Read;
use std::path::PathBuf;

pub fn run(args: &FmtArgs) -> Result<Outcome, UsageError> {
    if args.stdin {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        return Ok(match format("<stdin>", &text) {
            Some(formatted) => {
                out!("{formatted}");
                Outcome::Clean
            }
            None => Outcome::Failed,
        });
    }
    let mut failed = false;
    for file in files(&args.paths)? {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| UsageError(format!("cannot read `{}`: {e}", file.display())))?;
        let Some(formatted) = format(&file.display().to_string(), &text) else {
            failed = true;
            continue;
        };
        if formatted == text {
            continue;
        }
        if args.check {
            let name = file.display().to_string();
            let diff = similar::TextDiff::from_lines(&text, &formatted);
            out!(
                "{}",
                diff.unified_diff()
                    .context_radius(2)
                    .header(&name, &format!("{name} (formatted)"))
            );
            failed = true;
        } else {
            write_atomically(&file, &formatted)?;
            errln!("formatted {}", file.display());
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

/// The canonical text of a file, or `None` (reported) when it does not
/// parse. A leading byte-order mark is kept, and none is added
/// (docs/formatting.md).
fn format(name: &str, text: &str) -> Option<String> {
    let (bom, body) = remit_syntax::split_bom(text);
    match remit_fmt::format_source(body) {
        Ok(formatted) => Some(format!("{bom}{formatted}")),
        Err(e) => {
            report(name, body, &e);
            None
        }
    }
}

fn report(name: &str, text: &str, e: &remit_fmt::FormatError) {
    let mut sources = Sources::new();
    sources.add(name, text);
    err!("{}", render::human(&sources, &e.diagnostics, false));
    errln!("error: `{name}` was left unchanged: it does not parse");
}
