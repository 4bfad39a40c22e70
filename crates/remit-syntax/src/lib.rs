//! Lexer, parser and typed syntax tree of the Remit policy language
//! (LANGUAGE.md §2–§4, §7).
//!
//! [`parse`] turns one file's text into an [`ast::File`] and the syntax
//! diagnostics found on the way. It never fails and never panics: a broken
//! item becomes [`ast::ItemKind::Error`] after its error is reported, and
//! parsing resumes at the next item. Comments are kept in
//! [`ast::File::comments`] for hover and the formatter. This crate knows
//! nothing about what names mean.

pub mod ast;
mod clause;
mod lex;
mod parser;
mod token;

pub use clause::{clause_keyword_list, ClauseSpec, ClauseTag, CLAUSES, CLAUSE_KEYWORDS};
pub use lex::{lex, split_bom, Lexed, SpannedToken, BOM};
pub use parser::{parse, split_items, MAX_NESTING};
pub use token::{Token, ITEM_KEYWORDS, KEYWORDS};

#[allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unused_qualifications,
    unused_parens,
    unused_extern_crates
)]
mod grammar {
    lalrpop_util::lalrpop_mod!(remit, "/remit.rs");
    pub use remit::*;
}
