//! What the client said it supports in `initialize`, reduced to the
//! choices the server makes with it.

use tower_lsp_server::ls_types::{ClientCapabilities, MarkupKind};

/// The client's support for the features whose answers depend on it.
/// The default is what a client that declares nothing gets: plain-text
/// hovers, related information folded into the message, and no dynamic
/// registration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientSupport {
    /// Hovers in Markdown: the first hover `contentFormat` the client
    /// prefers is `markdown` (absent, or `plaintext` first: plain text).
    pub markdown_hover: bool,
    /// `relatedInformation` on diagnostics; without it the related
    /// locations are written into the message.
    pub related_information: bool,
    /// `client/registerCapability` for `workspace/didChangeWatchedFiles`.
    pub watch_registration: bool,
}

impl ClientSupport {
    /// Reads the capabilities sent with `initialize`.
    pub fn from_capabilities(caps: &ClientCapabilities) -> Self {
        let text = caps.text_document.as_ref();
        let markdown_hover = text
            .and_then(|t| t.hover.as_ref())
            .and_then(|h| h.content_format.as_ref())
            .and_then(|formats| formats.first())
            .is_some_and(|first| *first == MarkupKind::Markdown);
        let related_information = text
            .and_then(|t| t.publish_diagnostics.as_ref())
            .and_then(|p| p.related_information)
            .unwrap_or(false);
        let watch_registration = caps
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        ClientSupport {
            markdown_hover,
            related_information,
            watch_registration,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn support(caps: serde_json::Value) -> ClientSupport {
        ClientSupport::from_capabilities(&serde_json::from_value(caps).unwrap())
    }

    #[test]
    fn nothing_declared_is_the_plain_default() {
        assert_eq!(support(json!({})), ClientSupport::default());
    }

    #[test]
    fn reads_hover_format_related_information_and_watching() {
        let s = support(json!({
            "textDocument": {
                "hover": { "contentFormat": ["markdown", "plaintext"] },
                "publishDiagnostics": { "relatedInformation": true },
            },
            "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } },
        }));
        assert_eq!(
            s,
            ClientSupport {
                markdown_hover: true,
                related_information: true,
                watch_registration: true,
            }
        );
        // The first format is the client's preference.
        let plain = support(json!({
            "textDocument": { "hover": { "contentFormat": ["plaintext", "markdown"] } },
        }));
        assert!(!plain.markdown_hover);
    }
}
