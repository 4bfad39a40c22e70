//! Name resolution, type checking and lowering of Remit policies.
//!
//! [`check`] parses every file of a policy and checks it as one unit
//! (names are global across the files of a policy, LANGUAGE.md §1),
//! producing a [`Model`] with every name resolved and every literal in
//! integer units, plus the diagnostics. [`lower`] turns a checked model
//! into the portable decision table of `remit-table`.

mod checker;
mod declare;
mod expr;
mod guards;
pub mod id;
mod inheritance;
pub mod lower;
pub mod model;
mod quantity;
mod rules;
mod test_items;
pub mod units;

pub use inheritance::{MAX_ANCESTOR_PAIRS, MAX_INHERITANCE_DEPTH};
pub use lower::{lower, LowerOutput, MAX_ROWS_PER_RULE};
pub use model::Model;

use remit_diagnostics::{Diagnostic, FileId, Sources};
use remit_syntax::ast;

/// A parsed and checked policy.
#[derive(Debug, Clone)]
pub struct Checked {
    /// Each file's syntax tree, by file id.
    pub files: Vec<(FileId, ast::File)>,
    /// The checked model.
    pub model: Model,
    /// Syntax and semantic diagnostics, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses and checks the files of one policy. `default_name` is the
/// policy's name when it has no `policy` header (its directory's name).
pub fn check(sources: &Sources, default_name: &str) -> Checked {
    let mut diagnostics = Vec::new();
    let mut files = Vec::with_capacity(sources.len());
    for (id, file) in sources.iter() {
        let (ast, diags) = remit_syntax::parse(id, file.text());
        diagnostics.extend(diags);
        files.push((id, ast));
    }
    let items: Vec<&ast::Item> = files.iter().flat_map(|(_, f)| f.items.iter()).collect();
    let mut checker = checker::Checker::default();
    checker.collect(&items);
    checker.declare(&items, default_name);
    checker.definitions(&items);
    checker.rules(&items);
    checker.tests(&items);
    diagnostics.extend(checker.diags);
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Checked {
        files,
        model: checker.model,
        diagnostics,
    }
}
