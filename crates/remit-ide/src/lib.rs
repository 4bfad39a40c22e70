//! The editor features of Remit, below the protocol.
//!
//! In the manner of rust-analyzer's `ide` crate: everything an editor
//! shows is computed here from one analysed policy ([`Policy`]) and byte
//! offsets, and answered as plain data with byte [`Span`]s. No type of
//! the Language Server Protocol appears here; `remit-lsp` converts
//! offsets to positions and this crate's answers to LSP messages, and
//! nothing else.
//!
//! One module per feature: [`hover`], [`completion`] (with the cursor's
//! context read from tokens, [`completion_context`]), [`navigation`],
//! [`rename`], [`symbols`] (the outline and the workspace's
//! declarations), [`semantic_tokens`] (token classes), [`folding`],
//! [`formatting`] (the formatter's output as line edits) and
//! [`policy_tests`] (the policy's own tests as lenses show them).
//!
//! [`Span`]: remit_diagnostics::Span

pub mod completion;
pub mod completion_context;
#[cfg(any(test, feature = "test-fixture"))]
pub mod fixture;
pub mod folding;
pub mod formatting;
pub mod hover;
pub mod navigation;
mod policy;
pub mod policy_tests;
pub mod rename;
pub mod semantic_tokens;
pub mod symbols;
pub mod text;

pub use policy::Policy;

#[cfg(test)]
mod boundary {
    /// ARCHITECTURE.md: only the server crate knows LSP types. This crate
    /// must not depend on a crate of the protocol.
    #[test]
    fn no_protocol_dependency() {
        let manifest = include_str!("../Cargo.toml");
        for lsp in ["tower-lsp", "lsp-types", "ls-types", "remit-lsp"] {
            assert!(!manifest.contains(lsp), "remit-ide depends on `{lsp}`");
        }
    }
}
