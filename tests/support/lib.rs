//! Helpers shared by the end-to-end suites: locating the repository's
//! corpora, analysing single files as policies, rendering diagnostics
//! stably, and an independent interpreter of checked policies used as the
//! oracle for lowering.

pub mod interpret;
pub mod requests;

use remit_analysis::{analyze, Analysis};
use remit_diagnostics::{render, LintLevels, Sources};
use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `.remit` files of a directory under the root, sorted.
pub fn remit_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "remit"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Analyses one file as a single-file policy, named after the file.
pub fn analyze_file(path: &Path) -> Analysis {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("policy.remit");
    analyze_text(name, &text)
}

/// Analyses a text as a single-file policy.
pub fn analyze_text(name: &str, text: &str) -> Analysis {
    let mut sources = Sources::new();
    sources.add(name, text);
    let stem = name.trim_end_matches(".remit");
    analyze(sources, stem, &LintLevels::new())
}

/// Diagnostics as plain terminal text.
pub fn rendered(a: &Analysis) -> String {
    render::human(&a.sources, &a.diagnostics, false)
}

/// The policy directories under `examples/` (those holding `.remit`
/// files: `examples/requests/` holds requests, not a policy).
pub fn example_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .filter(|p| remit_analysis::workspace::policy_files(p).is_ok_and(|f| !f.is_empty()))
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// Loads and analyses a policy directory, naming files by their file name
/// only so snapshots do not depend on where the repository is.
pub fn analyze_dir(dir: &Path) -> Analysis {
    let mut sources = Sources::new();
    for file in remit_analysis::workspace::policy_files(dir).unwrap_or_default() {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        sources.add(name, text);
    }
    analyze(
        sources,
        &remit_analysis::workspace::policy_name(dir),
        &LintLevels::new(),
    )
}
