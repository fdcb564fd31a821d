//! Semver checks that run as ordinary tests: every public type of ascert-models is
//! `#[non_exhaustive]`, so the next attribute or value Apple adds is not a breaking change, and no
//! library crate names a third-party error type in its errors (they are kept as boxed sources).

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Every `.rs` file below `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The `pub struct` and `pub enum` declarations of `source` (macro templates included) that are
/// not marked `#[non_exhaustive]`, as `line: declaration`.
fn exhaustive_public_types(source: &str) -> Vec<String> {
    let lines: Vec<&str> = source.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let code = line.trim_start();
        if !(code.starts_with("pub struct ") || code.starts_with("pub enum ")) {
            continue;
        }
        // The attributes and doc comments right above the declaration, macro repetitions too.
        let marked = lines[..i]
            .iter()
            .rev()
            .map(|l| l.trim_start())
            .take_while(|l| l.starts_with("#[") || l.starts_with("///") || l.starts_with("$(#["))
            .any(|l| l.starts_with("#[non_exhaustive]"));
        if !marked {
            found.push(format!("{}: {}", i + 1, code));
        }
    }
    found
}

#[test]
fn every_public_model_type_is_non_exhaustive() {
    let src = root().join("crates/models/src");
    let mut missing = Vec::new();
    let mut seen = 0;
    for file in rust_files(&src) {
        let text = fs::read_to_string(&file).unwrap();
        seen += text
            .lines()
            .filter(|l| {
                let l = l.trim_start();
                l.starts_with("pub struct ") || l.starts_with("pub enum ")
            })
            .count();
        for at in exhaustive_public_types(&text) {
            missing.push(format!("{}:{at}", file.strip_prefix(root()).unwrap().display()));
        }
    }
    assert!(
        seen > 30,
        "only {seen} public types found in {}: is the scan broken?",
        src.display()
    );
    assert!(
        missing.is_empty(),
        "public types of ascert-models without #[non_exhaustive] (a field Apple adds would break \
         callers; add the attribute and a constructor):\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_scan_finds_a_type_left_exhaustive() {
    let source = "\
/// Marked.
#[derive(Debug)]
#[non_exhaustive]
pub struct Marked {}

/// Not marked.
#[derive(Debug)]
pub enum Open { A }

macro_rules! m {
    () => {
        $(#[$doc])*
        #[non_exhaustive]
        pub struct $name;
    };
}
";
    assert_eq!(exhaustive_public_types(source), ["8: pub enum Open { A }"]);
}

/// Third-party error types that must not appear in a library crate's error types: they are kept
/// as boxed sources, so that a new major version of the library underneath is not a breaking change.
const FOREIGN_ERRORS: &[&str] = &[
    "reqwest::Error",
    "jsonwebtoken::errors::Error",
    "rcgen::Error",
    "p12_keystore::error::Error",
    "url::ParseError",
    "time::error::",
    "base64::DecodeError",
    "serde_json::Error",
    "rustls::Error",
    "object_store::Error",
];

/// Lines of `source` that name a foreign error type in a field or a variant (a `use`, a comment,
/// a binding or a function's parameter, such as a `map_err` helper, is fine).
fn foreign_error_fields(source: &str) -> Vec<String> {
    source
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let code = line.trim_start();
            !code.starts_with("//")
                && !code.starts_with("use ")
                && !code.starts_with("let ")
                && !code.contains("fn ")
                && FOREIGN_ERRORS.iter().any(|e| code.contains(e))
                && (code.contains(": ") || code.contains("(#[") || code.contains("#[from]"))
        })
        .map(|(i, line)| format!("{}: {}", i + 1, line.trim()))
        .collect()
}

#[test]
fn library_errors_keep_third_party_errors_boxed() {
    let mut found = Vec::new();
    for krate in [
        "models",
        "auth",
        "transport",
        "certificates",
        "keystore",
        "keychain",
        "sandbox",
        "team",
        "workflows",
    ] {
        for file in rust_files(&root().join("crates").join(krate).join("src")) {
            let text = fs::read_to_string(&file).unwrap();
            // Only the error types: a private struct may hold anything.
            if !text.contains("thiserror::Error") {
                continue;
            }
            for at in foreign_error_fields(&text) {
                found.push(format!("{}:{at}", file.strip_prefix(root()).unwrap().display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "third-party error types in public errors (keep them as Box<dyn Error + Send + Sync> \
         sources):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_error_scan_finds_a_public_foreign_error() {
    let source = "\
use reqwest::Error as _;
fn setup(error: reqwest::Error) -> Error { todo() }
let made = |body: &str| object_store::Error::NotFound { path: body.into() };
pub enum Error {
    Setup(#[source] reqwest::Error),
    Crypto { source: rcgen::Error },
    Boxed { source: BoxedSource },
}
";
    assert_eq!(
        foreign_error_fields(source),
        [
            "5: Setup(#[source] reqwest::Error),",
            "6: Crypto { source: rcgen::Error },"
        ]
    );
}
