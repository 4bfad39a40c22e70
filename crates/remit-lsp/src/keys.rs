//! The keys of documents and policies: a leaf module that every other
//! part of the server may use (the state, the snapshots, the loader) and
//! that uses none of them.
//!
//! A document belongs to the policy of its directory (LANGUAGE.md §1): all
//! `.remit` files there, open buffers taking precedence over disk. A
//! document that is not a `file:` URI (an unsaved buffer) is a policy of
//! its own.

use std::path::{Path, PathBuf};
use tower_lsp_server::ls_types::Uri;

/// Identifies a document: its file path, or its URI when it has none.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKey {
    /// A `file:` URI.
    File(PathBuf),
    /// Any other URI, as written.
    Other(String),
}

impl DocKey {
    /// The key of a URI.
    pub fn from_uri(uri: &Uri) -> DocKey {
        if uri.scheme().as_str().eq_ignore_ascii_case("file") {
            if let Some(path) = uri.to_file_path() {
                if path.is_absolute() {
                    return DocKey::File(path.into_owned());
                }
            }
        }
        DocKey::Other(uri.as_str().to_string())
    }

    /// The policy the document belongs to.
    pub fn policy(&self) -> PolicyKey {
        match self {
            DocKey::File(path) => PolicyKey::Dir(
                path.parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("/"))
                    .to_path_buf(),
            ),
            DocKey::Other(uri) => PolicyKey::Single(uri.clone()),
        }
    }

    /// A URI for the document (for files that are not open).
    pub fn to_uri(&self) -> Option<Uri> {
        match self {
            DocKey::File(path) => Uri::from_file_path(path),
            DocKey::Other(uri) => uri.parse().ok(),
        }
    }

    /// A display name: the path, or the URI.
    pub fn display(&self) -> String {
        match self {
            DocKey::File(path) => path.display().to_string(),
            DocKey::Other(uri) => uri.clone(),
        }
    }
}

/// Identifies a policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyKey {
    /// Every `.remit` file of a directory.
    Dir(PathBuf),
    /// One buffer without a file.
    Single(String),
}

impl PolicyKey {
    /// The name of a policy without a `policy` header.
    pub fn default_name(&self) -> String {
        match self {
            PolicyKey::Dir(dir) => remit_analysis::workspace::policy_name(dir),
            PolicyKey::Single(uri) => {
                let last = uri.rsplit(['/', ':']).next().unwrap_or("policy");
                let stem = last.split('.').next().unwrap_or(last);
                if stem.is_empty() {
                    "policy".to_string()
                } else {
                    stem.to_string()
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_belong_to_their_directory() {
        let uri: Uri = "file:///tmp/p/rules.remit".parse().unwrap();
        let key = DocKey::from_uri(&uri);
        assert_eq!(key, DocKey::File(PathBuf::from("/tmp/p/rules.remit")));
        assert_eq!(key.policy(), PolicyKey::Dir(PathBuf::from("/tmp/p")));
    }

    #[test]
    fn other_uris_are_policies_of_their_own() {
        let uri: Uri = "untitled:Untitled-1".parse().unwrap();
        let key = DocKey::from_uri(&uri);
        assert_eq!(key, DocKey::Other("untitled:Untitled-1".into()));
        let policy = key.policy();
        assert_eq!(policy.default_name(), "Untitled-1");
    }
}
