//! Writing a file whole or not at all: the one way every command writes.
//!
//! The text goes to a temporary file next to the destination, is synced,
//! then renamed over it, so a reader sees the old file or the new one and
//! never half of either. Around that rename the file keeps what a user
//! set up (docs/cli.md, "How `remit` writes files"):
//!
//! - a new file gets the mode the umask gives (`0644` under `umask 022`),
//!   like any file a shell redirection or an editor creates;
//! - a replaced file keeps its mode, and its owner and group where the
//!   user may set them;
//! - a symbolic link is followed: the file it points at is replaced, in
//!   its own directory, and the link stays a link;
//! - a file with several hard links is refused: replacing one name would
//!   split it from the others, and rewriting it in place could leave
//!   every name half-written.

use crate::UsageError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// How many symbolic links are followed before giving up (Linux's limit).
const MAX_SYMLINK_HOPS: usize = 40;

/// Writes `text` to `path` atomically (see the module documentation).
pub(crate) fn write_atomically(path: &Path, text: &str) -> Result<(), UsageError> {
    let target = follow_symlinks(path)?;
    let existing = match std::fs::metadata(&target) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(cannot_write(path, &e)),
    };
    if let Some(meta) = &existing {
        refuse_unsafe_replacement(path, &target, meta)?;
    }
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = temp_file(dir, existing.is_none())
        .map_err(|e| UsageError(format!("cannot write in `{}`: {e}", dir.display())))?;
    if let Some(meta) = &existing {
        keep_attributes(tmp.as_file(), meta).map_err(|e| cannot_write(path, &e))?;
    }
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| cannot_write(path, &e))?;
    tmp.persist(&target)
        .map_err(|e| cannot_write(path, &e.error))?;
    Ok(())
}

fn cannot_write(path: &Path, e: &std::io::Error) -> UsageError {
    UsageError(format!("cannot write `{}`: {e}", path.display()))
}

/// The file a path finally names, following every symbolic link (the
/// last target need not exist yet: `build -o` may create it).
fn follow_symlinks(path: &Path) -> Result<PathBuf, UsageError> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_SYMLINK_HOPS {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current).map_err(|e| cannot_write(path, &e))?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(UsageError(format!(
        "cannot write `{}`: more than {MAX_SYMLINK_HOPS} symbolic links to follow (is there a loop?)",
        path.display()
    )))
}

/// Only a regular file with one name is replaced.
fn refuse_unsafe_replacement(
    path: &Path,
    target: &Path,
    meta: &std::fs::Metadata,
) -> Result<(), UsageError> {
    if !meta.is_file() {
        return Err(UsageError(format!(
            "cannot write `{}`: `{}` is not a regular file",
            path.display(),
            target.display()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let links = meta.nlink();
        if links > 1 {
            return Err(UsageError(format!(
                "cannot write `{}`: it has {links} hard links, and replacing it would split it from the others\n\
                 help: write to a path with one link, or break the links yourself first (`cp {0} {0}.copy && mv {0}.copy {0}`)",
                path.display()
            )));
        }
    }
    Ok(())
}

/// A temporary file in `dir`. A file that will be new is created with
/// mode `0666` less the umask, as `open(2)` does for any new file; one
/// that replaces another gets that file's attributes afterwards.
fn temp_file(dir: &Path, new: bool) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".remit-").suffix(".tmp");
    #[cfg(unix)]
    if new {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    #[cfg(not(unix))]
    let _ = new;
    builder.tempfile_in(dir)
}

/// Gives the temporary file the mode, and where allowed the owner and
/// group, of the file it replaces.
fn keep_attributes(file: &std::fs::File, meta: &std::fs::Metadata) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let mine = file.metadata()?;
        if (mine.uid(), mine.gid()) != (meta.uid(), meta.gid()) {
            // Only root may give a file away, and a user may only choose a
            // group they are in; otherwise the file is the writer's, with
            // the old mode.
            let _ = std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()))
                .or_else(|_| std::os::unix::fs::fchown(file, None, Some(meta.gid())));
        }
    }
    // After the owner: `chown` clears the set-user-ID and set-group-ID bits.
    file.set_permissions(meta.permissions())
}
