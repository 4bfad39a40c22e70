//! Writes a generated policy to standard output, for trying the toolchain
//! on large inputs: `cargo run -p remit-gen -- 10000` (or `-- dmn 1500 15`
//! for the DMN-shaped table).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number =
        |i: usize, default: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let text = if args.first().map(String::as_str) == Some("dmn") {
        remit_gen::overlap_table(number(1, 1500), number(2, 15))
    } else {
        remit_gen::department_policy(number(0, 10_000))
    };
    print!("{text}");
}
