//! Assembling a policy's files (open buffers over disk) and analysing them.
//!
//! [`input`] runs under the state lock and only copies what is open;
//! [`load`] reads the disk and analyses, on a blocking thread.

use crate::keys::{DocKey, PolicyKey};
use crate::snapshot::{Snapshot, SnapshotFile, Unreadable};
use crate::state::{OpenDoc, State};
use remit_diagnostics::{FileId, LintLevels, Sources};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The open buffers of one policy, copied out of the state.
#[derive(Debug, Clone)]
pub struct PolicyInput {
    /// The policy.
    pub key: PolicyKey,
    /// Its open documents.
    pub open: Vec<(DocKey, OpenDoc)>,
}

impl PolicyInput {
    /// Whether no document of the policy is open.
    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }
}

/// Copies the open buffers of a policy.
pub fn input(state: &State, key: &PolicyKey) -> PolicyInput {
    let mut open: Vec<(DocKey, OpenDoc)> = state
        .docs
        .iter()
        .filter(|(k, _)| &k.policy() == key)
        .map(|(k, d)| (k.clone(), d.clone()))
        .collect();
    open.sort_by(|a, b| a.0.cmp(&b.0));
    PolicyInput {
        key: key.clone(),
        open,
    }
}

/// Reads the policy's other files from disk and analyses it.
pub fn load(input: PolicyInput) -> Snapshot {
    let mut files: BTreeMap<DocKey, (Option<OpenDoc>, Option<PathBuf>)> = BTreeMap::new();
    let mut unlisted = None;
    if let PolicyKey::Dir(dir) = &input.key {
        // A directory that cannot be listed is reported on the open files,
        // never taken for a policy of only those files.
        match remit_analysis::workspace::policy_files(dir) {
            Ok(paths) => {
                for path in paths {
                    files.insert(DocKey::File(path.clone()), (None, Some(path)));
                }
            }
            Err(e) => unlisted = Some(e.to_string()),
        }
    }
    for (key, doc) in input.open {
        files.entry(key).or_insert((None, None)).0 = Some(doc);
    }
    let mut sources = Sources::new();
    let mut entries = Vec::with_capacity(files.len());
    let mut unreadable = Vec::new();
    for (key, (open, path)) in files {
        let (text, uri, version) = match (open, path) {
            (Some(doc), _) => (doc.text.as_str().to_string(), doc.uri, Some(doc.version)),
            (None, Some(path)) => {
                let Some(uri) = key.to_uri() else {
                    continue;
                };
                let text = match read(&path) {
                    Ok(text) => text,
                    Err((text, offset, message)) => {
                        let file = FileId(u32::try_from(entries.len()).unwrap_or(u32::MAX));
                        unreadable.push(Unreadable {
                            file,
                            offset,
                            message,
                        });
                        text
                    }
                };
                (text, uri, None)
            }
            (None, None) => continue,
        };
        sources.add(key.display(), text);
        entries.push(SnapshotFile { key, uri, version });
    }
    let name = input.key.default_name();
    let analysis = remit_analysis::analyze(sources, &name, &LintLevels::new());
    Snapshot::new(input.key, analysis, entries)
        .with_unreadable(unreadable)
        .with_unlisted(unlisted)
}

/// A file's text from disk, or the text to analyse instead (the lossy
/// decoding, or nothing), the byte where the problem is, and the error
/// `remit check` gives for it.
fn read(path: &Path) -> Result<String, (String, usize, String)> {
    let bytes =
        std::fs::read(path).map_err(|e| (String::new(), 0, format!("cannot read it: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let error = remit_analysis::workspace::not_utf8(path, e.utf8_error());
        let offset = e.utf8_error().valid_up_to();
        let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
        (lossy, offset, error.message)
    })?;
    // As `remit check` reads it: a leading byte-order mark is not text
    // (editors do not show it, so positions must not count it).
    Ok(match remit_syntax::split_bom(&text) {
        (bom, rest) if !bom.is_empty() => rest.to_string(),
        _ => text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use tower_lsp_server::ls_types::Uri;

    #[test]
    fn open_buffers_take_precedence_over_disk() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.remit");
        let b = dir.path().join("b.remit");
        std::fs::write(&a, "role clerk\n").unwrap();
        std::fs::write(&b, "role cashier\n").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not remit").unwrap();
        let mut state = State::default();
        state.docs.insert(
            DocKey::File(a.clone()),
            OpenDoc {
                uri: Uri::from_file_path(&a).unwrap(),
                version: 7,
                text: Arc::new("role manager\n".into()),
                out_of_sync: false,
            },
        );
        let key = DocKey::File(a.clone()).policy();
        let snap = load(input(&state, &key));
        assert_eq!(snap.files.len(), 2);
        assert_eq!(snap.files[0].version, Some(7));
        assert_eq!(snap.files[1].version, None);
        let roles: Vec<_> = snap.model().roles.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(roles, ["manager", "cashier"]);
    }

    /// Issue 14: a directory that could not be listed became a policy of
    /// the open files alone, silently. Here the directory is gone (as
    /// when it is deleted under an open buffer).
    #[test]
    fn a_directory_that_cannot_be_listed_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        let a = gone.join("a.remit");
        let mut state = State::default();
        state.docs.insert(
            DocKey::File(a.clone()),
            OpenDoc {
                uri: Uri::from_file_path(&a).unwrap(),
                version: 1,
                text: Arc::new("role clerk\n".into()),
                out_of_sync: false,
            },
        );
        let snap = load(input(&state, &DocKey::File(a).policy()));
        let unlisted = snap.unlisted.as_deref().unwrap();
        assert!(
            unlisted.starts_with(&format!("{}: ", gone.display())),
            "{unlisted}"
        );
        // The open buffer is still analysed.
        assert_eq!(
            snap.model().roles.first().map(|r| r.name.as_str()),
            Some("clerk")
        );
    }

    /// The same for a directory without read permission (root reads it
    /// anyway: then the test says so and checks nothing).
    #[cfg(unix)]
    #[test]
    fn a_directory_without_read_permission_is_reported() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let locked = dir.path().join("locked");
        std::fs::create_dir(&locked).unwrap();
        std::fs::write(locked.join("b.remit"), "role cashier\n").unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o300)).unwrap();
        if std::fs::read_dir(&locked).is_ok() {
            eprintln!("skipped: this user reads directories without read permission (root)");
            return;
        }
        let a = locked.join("a.remit");
        let mut state = State::default();
        state.docs.insert(
            DocKey::File(a.clone()),
            OpenDoc {
                uri: Uri::from_file_path(&a).unwrap(),
                version: 1,
                text: Arc::new("role clerk\n".into()),
                out_of_sync: false,
            },
        );
        let snap = load(input(&state, &DocKey::File(a).policy()));
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(snap
            .unlisted
            .as_deref()
            .unwrap()
            .contains("ermission denied"));
    }

    #[test]
    fn a_file_that_is_not_utf8_is_reported_and_read_lossily() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.remit");
        std::fs::write(&a, "role clerk\n").unwrap();
        // Latin-1 `é` (0xE9) in a comment, at byte 19.
        std::fs::write(dir.path().join("b.remit"), b"role cashier\n// caf\xe9\n").unwrap();
        let key = DocKey::File(a).policy();
        let snap = load(input(&State::default(), &key));
        assert_eq!(snap.unreadable.len(), 1, "{:?}", snap.unreadable);
        let bad = &snap.unreadable[0];
        assert_eq!(
            snap.files[bad.file.0 as usize].key,
            DocKey::File(dir.path().join("b.remit"))
        );
        assert_eq!(bad.offset, 19);
        assert_eq!(
            bad.message,
            "not valid UTF-8 (byte 19); Remit sources must be UTF-8"
        );
        // The rest of the file is analysed.
        let roles: Vec<_> = snap.model().roles.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(roles, ["clerk", "cashier"]);
    }
}
