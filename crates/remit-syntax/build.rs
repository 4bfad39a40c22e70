//! Compiles `grammar/remit.lalrpop` (at the workspace root) into the parser.

fn main() {
    let grammar_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../grammar");
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
