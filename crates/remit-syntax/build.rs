//! Compiles `grammar/remit.lalrpop` (at the workspace root) into the parser.

fn main() {
    // The directory at run time, not at the build script's compile time: a
    // target directory copied from another checkout must read this one's
    // grammar.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| std::path::PathBuf::from("."), std::path::PathBuf::from);
    let grammar_dir = manifest_dir.join("../../grammar");
    println!(
        "cargo:rerun-if-changed={}",
        grammar_dir.join("remit.lalrpop").display()
    );
    let out_dir = std::env::var_os("OUT_DIR").map(std::path::PathBuf::from);
    let mut config = lalrpop::Configuration::new();
    config.set_in_dir(&grammar_dir);
    if let Some(out) = out_dir {
        config.set_out_dir(out);
    }
    if let Err(e) = config.process() {
        eprintln!("error: could not build the Remit grammar: {e}");
        std::process::exit(1);
    }
}
