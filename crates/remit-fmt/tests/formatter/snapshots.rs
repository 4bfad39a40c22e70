//! Snapshots of the formatter on messy inputs (`tests/messy/*.remit`).
//! Each input is also checked to format to a fixed point that parses to
//! the same tree with the same comments.

use std::path::Path;

#[test]
fn messy_inputs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/messy");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/messy exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "remit"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 12, "expected at least 12 messy inputs");
    for path in paths {
        let input = std::fs::read_to_string(&path).expect("readable");
        let output = crate::common::check_format(&input);
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a UTF-8 name")
            .to_string();
        insta::with_settings!({ input_file => &path, omit_expression => true }, {
            insta::assert_snapshot!(name, output);
        });
    }
}
