//! Bearer tokens (`--tokens PATH`: one `name:token` a line).

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// The known tokens, by the SHA-256 of the token (so a lookup compares
/// digests, never the secret itself byte by byte).
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    by_digest: HashMap<[u8; 32], String>,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Tokens {
    /// Reads a tokens file; lists every bad line.
    pub fn load(path: &Path) -> Result<Tokens, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read tokens `{}`: {e}", path.display()))?;
        Tokens::parse(&text).map_err(|problems| {
            format!(
                "tokens `{}` has problems:\n{}\n  help: write one `name:token` a line (blank lines and `#` comments are skipped)",
                path.display(),
                problems.join("\n")
            )
        })
    }

    /// Parses `name:token` lines.
    pub fn parse(text: &str) -> Result<Tokens, Vec<String>> {
        let mut tokens = Tokens::default();
        let mut problems = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let n = i + 1;
            match line.split_once(':') {
                Some((name, token)) if !name.trim().is_empty() && token.trim().len() >= 16 => {
                    if tokens
                        .by_digest
                        .insert(digest(token.trim()), name.trim().to_string())
                        .is_some()
                    {
                        problems.push(format!("  line {n}: this token is already given to another name"));
                    }
                }
                Some((name, _)) if name.trim().is_empty() => {
                    problems.push(format!("  line {n}: the name before `:` is empty"))
                }
                Some(_) => problems.push(format!(
                    "  line {n}: the token is shorter than 16 characters; use a random one (`openssl rand -hex 32`)"
                )),
                None => problems.push(format!("  line {n}: expected `name:token`")),
            }
        }
        if tokens.by_digest.is_empty() && problems.is_empty() {
            problems.push("  the file lists no token".to_string());
        }
        if problems.is_empty() {
            Ok(tokens)
        } else {
            Err(problems)
        }
    }

    /// The client name of `token`, if it is known.
    pub fn name_of(&self, token: &str) -> Option<&str> {
        self.by_digest.get(&digest(token)).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::Tokens;

    #[test]
    fn tokens_name_clients_and_bad_lines_are_all_listed() {
        let t =
            Tokens::parse("# ops\ncrm:0123456789abcdef0123\n\npos:fedcba9876543210fedc\n").unwrap();
        assert_eq!(t.name_of("0123456789abcdef0123"), Some("crm"));
        assert_eq!(t.name_of("0123456789abcdef012"), None);
        let problems = Tokens::parse("nocolon\n:0123456789abcdef0123\ncrm:short\n").unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(Tokens::parse("").is_err());
    }
}
