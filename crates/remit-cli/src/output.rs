//! Loading policies for a command and printing their diagnostics.

use crate::cli::{Color, DiagnosticArgs, Format};
use crate::stdio::{out, outln};
use crate::UsageError;
use remit_analysis::{analyze, workspace, Analysis};
use remit_diagnostics::{render, Level, LintLevels};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The lint levels the flags ask for.
pub fn levels(args: &DiagnosticArgs) -> Result<LintLevels, UsageError> {
    let mut levels = LintLevels::new();
    for (names, level) in [
        (&args.allow, Level::Allow),
        (&args.warn, Level::Warning),
        (&args.deny, Level::Error),
    ] {
        for name in names {
            if !levels.set_command_line(name, level) {
                let known: Vec<&str> = remit_diagnostics::LINTS.iter().map(|l| l.name).collect();
                return Err(UsageError(format!(
                    "unknown lint `{name}`; the lints are {} (and `warnings` for `--deny`)",
                    known.join(", ")
                )));
            }
        }
    }
    Ok(levels)
}

/// Every policy directory the paths stand for, without repeats.
pub fn policy_dirs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let mut dirs = Vec::new();
    for p in paths {
        for d in workspace::discover(p)? {
            if !dirs.contains(&d) {
                dirs.push(d);
            }
        }
    }
    Ok(dirs)
}

/// Loads and analyses one policy directory.
pub fn analyze_dir(dir: &Path, levels: &LintLevels) -> Result<Analysis, UsageError> {
    let sources = workspace::load_policy(dir)?;
    Ok(analyze(sources, &workspace::policy_name(dir), levels))
}

/// Prints the diagnostics of several analyses in one output document.
pub fn print(analyses: &[&Analysis], args: &DiagnosticArgs) {
    match args.format {
        Format::Human => {
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => std::io::stdout().is_terminal(),
            };
            for a in analyses {
                out!("{}", render::human(&a.sources, &a.diagnostics, color));
            }
        }
        Format::Json => {
            let all: Vec<serde_json::Value> = analyses
                .iter()
                .flat_map(|a| {
                    render::json(&a.sources, &a.diagnostics)
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                })
                .collect();
            outln!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
        }
        Format::Sarif => {
            let mut log = render::sarif(&remit_diagnostics::Sources::new(), &[]);
            let results: Vec<serde_json::Value> = analyses
                .iter()
                .flat_map(|a| {
                    render::sarif(&a.sources, &a.diagnostics)["runs"][0]["results"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                })
                .collect();
            log["runs"][0]["results"] = serde_json::Value::Array(results);
            outln!("{}", serde_json::to_string_pretty(&log).unwrap_or_default());
        }
        Format::Github => {
            for a in analyses {
                out!("{}", render::github(&a.sources, &a.diagnostics));
            }
        }
    }
}

/// "2 errors, 1 warning" (a "… and N more" diagnostic counts for its N)
pub fn summary(analyses: &[&Analysis]) -> (usize, usize, String) {
    let count = |s| {
        analyses
            .iter()
            .flat_map(|a| a.diagnostics.iter())
            .filter(|d| d.severity == s)
            .map(remit_diagnostics::Diagnostic::count)
            .sum::<usize>()
    };
    let errors = count(remit_diagnostics::Severity::Error);
    let warnings = count(remit_diagnostics::Severity::Warning);
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    (
        errors,
        warnings,
        format!(
            "{}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        ),
    )
}
