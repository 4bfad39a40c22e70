//! Rendering diagnostics for people and for CI systems.
//!
//! - [`human`]: codespan-reporting's terminal output, optionally coloured;
//! - [`json`]: one object per diagnostic, for tools;
//! - [`sarif`]: SARIF 2.1.0, for code-scanning uploads;
//! - [`github`]: GitHub Actions workflow commands (annotations).

use crate::excerpt::{self, Excerpt};
use crate::{Code, Diagnostic, FileId, Fix, Label, Severity, SourceFile, Sources, Span, CODES};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term;
use serde_json::{json, Value};

/// Where `docs/diagnostics.md` is published, `#name` anchoring each code:
/// the `REMIT_DOCS_URL` environment variable when the binary is built.
/// The project has no public home yet, so a build without it links to no
/// page rather than to an invented one (editors and SARIF viewers then
/// show the code without a link; the help text names the file).
pub const DOCS_URL: Option<&str> = option_env!("REMIT_DOCS_URL");

/// The documentation link of a code, when the build knows where the
/// documentation is published.
pub fn docs_link(code: Code) -> Option<String> {
    DOCS_URL.map(|url| format!("{url}#{}", code.name))
}

/// Where to read about a code: its link, or its section of
/// `docs/diagnostics.md`.
fn docs_reference(code: Code) -> String {
    docs_link(code).unwrap_or_else(|| format!("docs/diagnostics.md#{}", code.name))
}

struct CodespanFiles<'a>(&'a Sources);

impl<'a> Files<'a> for CodespanFiles<'a> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(self.file(id)?.name())
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(self.file(id)?.text())
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        Ok(self.file(id)?.line_index(byte_index))
    }

    fn line_range(
        &'a self,
        id: FileId,
        line_index: usize,
    ) -> Result<std::ops::Range<usize>, FilesError> {
        let file = self.file(id)?;
        let starts = file.line_starts();
        let start = *starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: starts.len().saturating_sub(1),
        })?;
        let end = starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(file.text().len());
        Ok(start..end)
    }
}

impl CodespanFiles<'_> {
    fn file(&self, id: FileId) -> Result<&SourceFile, FilesError> {
        self.0.get(id).ok_or(FilesError::FileMissing)
    }
}

fn severity(d: &Diagnostic) -> cs::Severity {
    match d.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Hint => cs::Severity::Help,
    }
}

/// The notes below the snippet: the witness, the notes, then the help.
fn notes(d: &Diagnostic, extra: Vec<String>) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(w) = &d.witness {
        let mut text = format!("witness: {}", w.summary);
        for outcome in &w.outcomes {
            text.push_str("\n  ");
            text.push_str(outcome);
        }
        notes.push(text);
    }
    notes.extend(extra);
    notes.extend(d.notes.iter().cloned());
    if let Some(help) = &d.help {
        notes.push(format!("help: {help}"));
    }
    notes
}

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<FileId> {
    let label = |style, l: &Label| {
        cs::Label::new(style, l.span.file, l.span.range()).with_message(&l.message)
    };
    let mut labels = vec![label(cs::LabelStyle::Primary, &d.primary)];
    labels.extend(
        d.secondary
            .iter()
            .map(|l| label(cs::LabelStyle::Secondary, l)),
    );
    cs::Diagnostic::new(severity(d))
        .with_code(d.code.id)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes(d, Vec::new()))
}

/// The diagnostic against an excerpt of its files, for labels on lines
/// too long to show whole.
fn to_excerpt<'a>(sources: &'a Sources, d: &Diagnostic) -> (Excerpt<'a>, cs::Diagnostic<FileId>) {
    let labels: Vec<(bool, Span, &str)> = std::iter::once(&d.primary)
        .map(|l| (true, l.span, l.message.as_str()))
        .chain(
            d.secondary
                .iter()
                .map(|l| (false, l.span, l.message.as_str())),
        )
        .collect();
    let (excerpt, labels, outside) = Excerpt::new(sources, &labels);
    let labels = labels
        .into_iter()
        .map(|l| {
            let style = if l.primary {
                cs::LabelStyle::Primary
            } else {
                cs::LabelStyle::Secondary
            };
            cs::Label::new(style, l.file, l.range).with_message(l.message)
        })
        .collect();
    let diagnostic = cs::Diagnostic::new(severity(d))
        .with_code(d.code.id)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes(d, outside));
    (excerpt, diagnostic)
}

fn emit<'f, F: Files<'f, FileId = FileId>>(
    out: &mut Vec<u8>,
    config: &term::Config,
    files: &'f F,
    d: &cs::Diagnostic<FileId>,
    color: bool,
) -> Result<(), FilesError> {
    if color {
        let mut buffer = term::termcolor::Buffer::ansi();
        let r = term::emit_to_write_style(&mut buffer, config, files, d);
        out.extend_from_slice(buffer.as_slice());
        r
    } else {
        term::emit_to_io_write(out, config, files, d)
    }
}

/// Renders diagnostics as codespan-reporting terminal output. A labelled
/// line longer than [`excerpt::MAX_LINE_BYTES`] bytes is shown as an excerpt around
/// its labels (the positions shown stay those of the file).
pub fn human(sources: &Sources, diagnostics: &[Diagnostic], color: bool) -> String {
    let files = CodespanFiles(sources);
    let config = term::Config::default();
    let mut out: Vec<u8> = Vec::new();
    for d in diagnostics {
        let spans: Vec<Span> = std::iter::once(d.primary.span)
            .chain(d.secondary.iter().map(|l| l.span))
            .collect();
        let result = if excerpt::needed(sources, &spans) {
            let (excerpt, cs) = to_excerpt(sources, d);
            emit(&mut out, &config, &excerpt, &cs, color)
        } else {
            emit(&mut out, &config, &files, &to_codespan(d), color)
        };
        if let Err(e) = result {
            out.extend_from_slice(
                format!(
                    "{}: {} (could not show the source: {e})\n",
                    d.severity.as_str(),
                    d.message
                )
                .as_bytes(),
            );
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn range_json(sources: &Sources, span: Span) -> Value {
    let start = sources.line_col(span);
    let end = sources.line_col(Span {
        start: span.end,
        ..span
    });
    json!({
        "start": { "line": start.line, "column": start.column },
        "end": { "line": end.line, "column": end.column },
        "byte_start": span.start,
        "byte_end": span.end,
    })
}

/// One JSON object per diagnostic: file, range, severity, code, name,
/// message, labels, help, notes, witness and fixes; a "… and N more"
/// summary ([`crate::cap_repeats`]) also has `omitted`, the N.
pub fn json(sources: &Sources, diagnostics: &[Diagnostic]) -> Value {
    Value::Array(
        diagnostics
            .iter()
            .map(|d| {
                let label = |l: &Label, primary: bool| {
                    json!({
                        "file": sources.name(l.span.file),
                        "range": range_json(sources, l.span),
                        "message": l.message,
                        "primary": primary,
                    })
                };
                let mut labels = vec![label(&d.primary, true)];
                labels.extend(d.secondary.iter().map(|l| label(l, false)));
                let mut object = json!({
                    "file": sources.name(d.primary.span.file),
                    "range": range_json(sources, d.primary.span),
                    "severity": d.severity.as_str(),
                    "code": d.code.id,
                    "name": d.code.name,
                    "message": d.message,
                    "labels": labels,
                    "help": d.help,
                    "notes": d.notes,
                    "witness": d.witness,
                    "fixes": d.fixes.iter().map(|f| json!({
                        "title": f.title,
                        "preferred": f.preferred,
                        "edits": f.edits.iter().map(|e| json!({
                            "file": sources.name(e.span.file),
                            "range": range_json(sources, e.span),
                            "new_text": e.new_text,
                        })).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                });
                if let Some(o) = object.as_object_mut() {
                    if let Some(data) = &d.data {
                        o.insert("data".into(), json!(data));
                    }
                    if d.omitted > 0 {
                        o.insert("omitted".into(), json!(d.omitted));
                    }
                }
                object
            })
            .collect(),
    )
}

fn sarif_region(sources: &Sources, span: Span) -> Value {
    let start = sources.line_col(span);
    let end = sources.line_col(Span {
        start: span.end,
        ..span
    });
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    })
}

/// Everything but RFC 3986's unreserved characters is percent-encoded in a
/// path segment (UTF-8 bytes included), so `#`, `?`, `%`, spaces and `:`
/// keep their meaning as part of the file name.
const SARIF_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A file name as a SARIF `artifactLocation.uri`, which is a URI
/// reference: a relative path stays relative (`dir/a%20b%23c%3F.remit`),
/// an absolute one becomes a `file:` URI (`file:///tmp/p.remit`,
/// `file:///C:/p/p.remit`); `\` separators become `/`.
fn sarif_uri(name: &str) -> String {
    let path = name.replace('\\', "/");
    let drive = matches!(path.as_bytes(), [d, b':', b'/', ..] if d.is_ascii_alphabetic());
    let encoded: Vec<String> = path
        .split('/')
        .enumerate()
        .map(|(i, segment)| {
            if i == 0 && drive {
                // The drive letter of a Windows path keeps its colon.
                segment.to_string()
            } else {
                percent_encoding::utf8_percent_encode(segment, SARIF_SEGMENT).to_string()
            }
        })
        .collect();
    let encoded = encoded.join("/");
    if drive {
        format!("file:///{encoded}")
    } else if path.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

fn sarif_location(
    sources: &Sources,
    span: Span,
    message: Option<&str>,
    id: Option<usize>,
) -> Value {
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": sarif_uri(sources.name(span.file)) },
            "region": sarif_region(sources, span),
        }
    });
    if let Some(obj) = loc.as_object_mut() {
        if let Some(id) = id {
            obj.insert("id".into(), json!(id));
        }
        if let Some(m) = message.filter(|m| !m.is_empty()) {
            obj.insert("message".into(), json!({ "text": m }));
        }
    }
    loc
}

/// A SARIF 2.1.0 log with one run: every code as a rule (with help and a
/// docs link), every diagnostic as a result with its location and the
/// secondary labels as related locations.
pub fn sarif(sources: &Sources, diagnostics: &[Diagnostic]) -> Value {
    let rules: Vec<Value> = CODES
        .iter()
        .map(|c| {
            let mut rule = json!({
                "id": c.id,
                "name": c.name,
                "shortDescription": { "text": c.summary },
                "fullDescription": { "text": c.summary },
                "help": { "text": format!("{}: see {}", c.summary, docs_reference(*c)) },
                "defaultConfiguration": { "level": sarif_level(c.severity) },
            });
            if let (Some(link), Some(obj)) = (docs_link(*c), rule.as_object_mut()) {
                obj.insert("helpUri".into(), Value::String(link));
            }
            rule
        })
        .collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let rule_index = CODES.iter().position(|c| c.id == d.code.id).unwrap_or(0);
            let mut text = d.message.clone();
            if let Some(w) = &d.witness {
                text.push_str(&format!("\nwitness: {}", w.summary));
                for o in &w.outcomes {
                    text.push_str(&format!("\n  {o}"));
                }
            }
            if let Some(help) = &d.help {
                text.push_str(&format!("\nhelp: {help}"));
            }
            let related: Vec<Value> = d
                .secondary
                .iter()
                .enumerate()
                .map(|(i, l)| sarif_location(sources, l.span, Some(&l.message), Some(i + 1)))
                .collect();
            let mut result = json!({
                "ruleId": d.code.id,
                "ruleIndex": rule_index,
                "level": sarif_level(d.severity),
                "message": { "text": text },
                "locations": [sarif_location(sources, d.primary.span, Some(&d.primary.message), None)],
            });
            if let Some(obj) = result.as_object_mut() {
                if !related.is_empty() {
                    obj.insert("relatedLocations".into(), Value::Array(related));
                }
                if !d.fixes.is_empty() {
                    let fixes = d.fixes.iter().map(|f| sarif_fix(sources, f)).collect();
                    obj.insert("fixes".into(), Value::Array(fixes));
                }
            }
            result
        })
        .collect();
    let mut driver = json!({
        "name": "remit",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    if let (Some(url), Some(obj)) = (DOCS_URL, driver.as_object_mut()) {
        obj.insert("informationUri".into(), Value::String(url.to_string()));
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver },
            "results": results,
        }]
    })
}

/// A SARIF `fix`: its title as the description, and its edits as
/// replacements grouped by file (`artifactChanges`), each deleting a
/// region (empty: an insertion point) and inserting the new text.
fn sarif_fix(sources: &Sources, fix: &Fix) -> Value {
    let mut changes: Vec<(FileId, Vec<Value>)> = Vec::new();
    for edit in &fix.edits {
        let replacement = json!({
            "deletedRegion": sarif_region(sources, edit.span),
            "insertedContent": { "text": edit.new_text },
        });
        match changes.iter_mut().find(|(f, _)| *f == edit.span.file) {
            Some((_, replacements)) => replacements.push(replacement),
            None => changes.push((edit.span.file, vec![replacement])),
        }
    }
    json!({
        "description": { "text": fix.title },
        "artifactChanges": changes.into_iter().map(|(file, replacements)| json!({
            "artifactLocation": { "uri": sarif_uri(sources.name(file)) },
            "replacements": replacements,
        })).collect::<Vec<_>>(),
    })
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Hint => "note",
    }
}

/// GitHub Actions workflow commands, one line per diagnostic:
/// `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`.
pub fn github(sources: &Sources, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let start = sources.line_col(d.primary.span);
        let end = sources.line_col(Span {
            start: d.primary.span.end,
            ..d.primary.span
        });
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Hint => "notice",
        };
        let mut message = d.message.clone();
        if let Some(w) = &d.witness {
            message.push_str(&format!("\nwitness: {}", w.summary));
            for o in &w.outcomes {
                message.push_str(&format!("\n  {o}"));
            }
        }
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(sources.name(d.primary.span.file)),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_property(&format!("{}[{}]", d.severity.as_str(), d.code.id)),
            escape_data(&message),
        ));
    }
    out
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (Sources, Vec<Diagnostic>) {
        let mut sources = Sources::new();
        let file = sources.add("p.remit", "role a\nrule r {\n  permit b to x\n}\n");
        let d = Diagnostic::new(
            Code::UNKNOWN_NAME,
            "unknown role `b`",
            Span::new(file, 25, 26),
            "not declared",
        )
        .secondary(Span::new(file, 5, 6), "roles are declared like this")
        .help("declare it with `role b`, or use `a`");
        (sources, vec![d])
    }

    #[test]
    fn human_output_has_code_labels_and_help() {
        let (sources, diags) = sample();
        let text = human(&sources, &diags, false);
        assert!(text.contains("error[E0101]: unknown role `b`"), "{text}");
        assert!(text.contains("p.remit:3:10"), "{text}");
        assert!(
            text.contains("= help: declare it with `role b`, or use `a`"),
            "{text}"
        );
    }

    #[test]
    fn github_escapes_properties() {
        let (sources, diags) = sample();
        let text = github(&sources, &diags);
        assert_eq!(
            text,
            "::error file=p.remit,line=3,col=10,endLine=3,endColumn=11,title=error[E0101]::unknown role `b`%0Ahelp: declare it with `role b`, or use `a`\n"
        );
    }

    #[test]
    fn sarif_uris_are_percent_encoded_uri_references() {
        let mut sources = Sources::new();
        let file = sources.add("dir/a b#c?.remit", "role a\n");
        let d = Diagnostic::new(Code::UNKNOWN_NAME, "m", Span::new(file, 5, 6), "l");
        let log = sarif(&sources, &[d]);
        assert_eq!(
            log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
                ["uri"],
            "dir/a%20b%23c%3F.remit"
        );
        for (name, uri) in [
            ("p/policy.remit", "p/policy.remit"),
            ("p/100%_caf\u{e9}:v1.remit", "p/100%25_caf%C3%A9%3Av1.remit"),
            ("/tmp/a b/p.remit", "file:///tmp/a%20b/p.remit"),
            ("C:\\work\\p q.remit", "file:///C:/work/p%20q.remit"),
            ("c:d.remit", "c%3Ad.remit"),
        ] {
            assert_eq!(sarif_uri(name), uri, "{name}");
        }
    }

    #[test]
    fn sarif_has_rules_results_and_related_locations() {
        let (sources, diags) = sample();
        let log = sarif(&sources, &diags);
        assert_eq!(log["version"], "2.1.0");
        let result = &log["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "E0101");
        assert_eq!(
            result["locations"][0]["physicalLocation"]["region"]["startLine"],
            3
        );
        assert_eq!(
            result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
            1
        );
        let rules = log["runs"][0]["tools"].clone();
        assert!(rules.is_null());
        assert!(log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .is_some_and(|r| r.len() == CODES.len()));
    }

    #[test]
    fn json_and_sarif_carry_fixes() {
        let (sources, mut diags) = sample();
        let file = FileId(0);
        diags[0] = diags[0]
            .clone()
            .fix("replace with `a`", Span::new(file, 25, 26), "a")
            .with_fix(Fix::new("declare `b`", Span::new(file, 7, 7), "role b\n"));
        let json = json(&sources, &diags);
        let fixes = &json[0]["fixes"];
        assert_eq!(fixes[0]["title"], "replace with `a`");
        assert_eq!(fixes[0]["preferred"], true);
        assert_eq!(fixes[1]["preferred"], false);
        assert_eq!(fixes[0]["edits"][0]["new_text"], "a");
        assert_eq!(fixes[0]["edits"][0]["range"]["byte_start"], 25);
        assert_eq!(fixes[1]["edits"][0]["range"]["start"]["line"], 2);
        let log = sarif(&sources, &diags);
        let fix = &log["runs"][0]["results"][0]["fixes"][1];
        assert_eq!(fix["description"]["text"], "declare `b`");
        let change = &fix["artifactChanges"][0];
        assert_eq!(change["artifactLocation"]["uri"], "p.remit");
        let replacement = &change["replacements"][0];
        assert_eq!(replacement["insertedContent"]["text"], "role b\n");
        // An insertion is an empty region: it ends where it starts.
        assert_eq!(replacement["deletedRegion"]["startLine"], 2);
        assert_eq!(replacement["deletedRegion"]["startColumn"], 1);
        assert_eq!(replacement["deletedRegion"]["endLine"], 2);
        assert_eq!(replacement["deletedRegion"]["endColumn"], 1);
    }
}
