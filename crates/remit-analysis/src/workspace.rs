//! Finding policies on disk. A policy is a directory: every `.remit` file
//! directly in it (LANGUAGE.md §1). A file argument means the policy of its
//! directory; a directory argument means every directory under it that
//! directly holds `.remit` files.

use remit_diagnostics::Sources;
use std::fmt;
use std::path::{Path, PathBuf};

/// A problem reading policies from disk.
#[derive(Debug)]
pub struct LoadError {
    /// The path concerned.
    pub path: PathBuf,
    /// What went wrong, in words.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for LoadError {}

/// The policy directories a command-line argument stands for, sorted.
pub fn discover(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| LoadError {
        path: path.to_path_buf(),
        message: match e.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            _ => e.to_string(),
        },
    })?;
    if meta.is_file() {
        if path.extension().and_then(|e| e.to_str()) != Some("remit") {
            return Err(LoadError {
                path: path.to_path_buf(),
                message: "not a `.remit` file".to_string(),
            });
        }
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        return Ok(vec![dir.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| LoadError {
            path: dir.clone(),
            message: e.to_string(),
        })?;
        let mut has_remit = false;
        for entry in entries {
            let entry = entry.map_err(|e| LoadError {
                path: dir.clone(),
                message: e.to_string(),
            })?;
            let p = entry.path();
            let file_type = entry.file_type().map_err(|e| LoadError {
                path: p.clone(),
                message: e.to_string(),
            })?;
            if file_type.is_dir() {
                let hidden = p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.') || n == "target" || n == "node_modules");
                if !hidden {
                    stack.push(p);
                }
            } else if p.extension().and_then(|e| e.to_str()) == Some("remit") {
                has_remit = true;
            }
        }
        if has_remit {
            out.push(dir);
        }
    }
    if out.is_empty() {
        return Err(LoadError {
            path: path.to_path_buf(),
            message: "no `.remit` files in this directory or below it".to_string(),
        });
    }
    out.sort();
    Ok(out)
}

/// The `.remit` files directly in a policy directory, sorted by name.
pub fn policy_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|e| LoadError {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| LoadError {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
        let p = entry.path();
        if p.is_file() && p.extension().and_then(|e| e.to_str()) == Some("remit") {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

/// Reads a policy directory into sources. Files that are not UTF-8 are an
/// error naming the file; a leading byte-order mark is dropped.
pub fn load_policy(dir: &Path) -> Result<Sources, LoadError> {
    let mut sources = Sources::new();
    for file in policy_files(dir)? {
        let bytes = std::fs::read(&file).map_err(|e| LoadError {
            path: file.clone(),
            message: e.to_string(),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| not_utf8(&file, e.utf8_error()))?;
        // A byte-order mark is the encoding's, not the policy's: without
        // it, columns on the first line count as an editor shows them.
        let text = match remit_syntax::split_bom(&text) {
            ("", _) => text,
            (_, rest) => rest.to_string(),
        };
        sources.add(file.display().to_string(), text);
    }
    Ok(sources)
}

/// The error for a source file that is not UTF-8 (the language server
/// reports the same one).
pub fn not_utf8(file: &Path, error: std::str::Utf8Error) -> LoadError {
    LoadError {
        path: file.to_path_buf(),
        message: format!(
            "not valid UTF-8 (byte {}); Remit sources must be UTF-8",
            error.valid_up_to()
        ),
    }
}

/// The default name of a policy: its directory's name.
pub fn policy_name(dir: &Path) -> String {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    dir.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("policy")
        .to_string()
}
