//! A user following docs/service.md (and the README): build the bundled
//! example, start `remit serve` on it, and `curl` a decision, running the
//! documented commands as written (only the port and the path of the
//! `remit` binary are substituted).

use crate::support::*;
use std::path::Path;
use std::process::Command;

/// The `sh` code blocks of a Markdown file.
fn sh_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_follows_the_docs() {
    if Command::new("curl").arg("--version").output().is_err() {
        eprintln!("SKIP curl_follows_the_docs: `curl` is not installed (apt-get install curl)");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("docs/service.md")).unwrap();
    let blocks = sh_blocks(&doc);
    let start = blocks
        .iter()
        .find(|b| b.contains(" serve "))
        .expect("a block that starts the service");
    let ask = blocks
        .iter()
        .find(|b| b.contains("curl "))
        .expect("a block that curls a decision");
    let dir = tempfile::tempdir().unwrap();
    let remit = remit_bin();
    let mut lines = start.lines().filter(|l| !l.trim().is_empty());
    let build = lines
        .next()
        .unwrap()
        .replace("cargo run -p remit-cli --", remit.to_str().unwrap());
    let serve = lines.next().unwrap();
    assert_eq!(serve, "cargo run -p remit-cli -- serve --table hotel.json");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("cp -r '{}/examples' . && {build}", root.display()))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{build}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `remit serve --table hotel.json`, in the same directory (so the
    // ledger is ./remit-usage.db), on a free port instead of 7878.
    let old = std::env::current_dir().unwrap();
    let table = dir.path().join("hotel.json");
    let store = format!("sqlite:{}", dir.path().join("remit-usage.db").display());
    let mut p = spawn_serve(
        &["--table", table.to_str().unwrap(), "--store", &store],
        "127.0.0.1:0",
    );
    let ask = ask.replace("127.0.0.1:7878", &p.addr.to_string());
    let out = Command::new("sh")
        .arg("-c")
        .arg(&ask)
        .current_dir(&old)
        .output()
        .unwrap();
    p.child.kill().unwrap();
    p.child.wait().unwrap();
    assert!(
        out.status.success(),
        "{ask}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["decision"], "permit", "{answer}");
    assert_eq!(
        answer["rules"],
        serde_json::json!(["room_recovery"]),
        "{answer}"
    );
    assert_eq!(answer["state"], "held", "{answer}");
    assert!(answer["digest"].as_str().unwrap().starts_with("sha256:"));
    assert!(dir.path().join("remit-usage.db").exists());
}
