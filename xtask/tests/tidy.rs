//! Tidy checks that run as ordinary tests: the workspace conventions and the architecture invariants
//! of docs/architecture.md, checked on every `cargo xtask ci`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use toml::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Every package of the workspace: its folder and parsed manifest.
fn packages() -> BTreeMap<String, (PathBuf, Value)> {
    let mut dirs: Vec<PathBuf> = vec![root().join("xtask")];
    for entry in fs::read_dir(root().join("crates")).unwrap() {
        let path = entry.unwrap().path();
        if path.join("Cargo.toml").is_file() {
            dirs.push(path);
        }
    }
    if root().join("tests/Cargo.toml").is_file() {
        dirs.push(root().join("tests"));
    }
    dirs.into_iter()
        .map(|dir| {
            let text = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
            let manifest = Value::Table(toml::from_str(&text).unwrap());
            let name = manifest["package"]["name"].as_str().unwrap().to_owned();
            (name, (dir, manifest))
        })
        .collect()
}

/// Every dependency table of a manifest, target-specific ones included, by table name.
fn dependency_tables(manifest: &Value) -> Vec<(String, &toml::Table)> {
    let mut tables = Vec::new();
    for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(t) = manifest.get(kind).and_then(Value::as_table) {
            tables.push((kind.to_owned(), t));
        }
        if let Some(targets) = manifest.get("target").and_then(Value::as_table) {
            for (cfg, target) in targets {
                if let Some(t) = target.get(kind).and_then(Value::as_table) {
                    tables.push((format!("target.{cfg}.{kind}"), t));
                }
            }
        }
    }
    tables
}

/// The names of the normal (non-dev) dependencies, target-specific ones included.
fn normal_dependencies(manifest: &Value) -> Vec<String> {
    dependency_tables(manifest)
        .into_iter()
        .filter(|(kind, _)| kind.ends_with("dependencies") && !kind.ends_with("dev-dependencies"))
        .filter(|(kind, _)| !kind.ends_with("build-dependencies"))
        .flat_map(|(_, table)| table.keys().cloned().collect::<Vec<_>>())
        .collect()
}

#[test]
fn every_package_uses_the_workspace_lints_and_dependencies() {
    for (name, (_, manifest)) in packages() {
        assert_eq!(
            manifest
                .get("lints")
                .and_then(|l| l.get("workspace"))
                .and_then(Value::as_bool),
            Some(true),
            "{name}: add `[lints] workspace = true`"
        );
        for (kind, table) in dependency_tables(&manifest) {
            for (dep, spec) in table {
                let from_workspace = spec.get("workspace").and_then(Value::as_bool) == Some(true);
                assert!(
                    from_workspace,
                    "{name}: {kind}.{dep} must be `{{ workspace = true }}`; declare it in the root"
                );
            }
        }
    }
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let mut missing = Vec::new();
    let mut stack = vec![root().join("crates"), root().join("xtask"), root().join("tests")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("target") && !path.ends_with("fixtures") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).unwrap();
                if !text.trim_start().starts_with("//!") {
                    missing.push(path.strip_prefix(root()).unwrap().display().to_string());
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "these files do not open with a `//!` line: {missing:?}"
    );
}

/// External crates that do HTTP.
const HTTP: &[&str] = &["reqwest", "hyper", "axum", "ureq", "tower", "tower-http"];
/// External crates that do cryptography.
const CRYPTO: &[&str] = &[
    "rcgen",
    "aws-lc-rs",
    "ring",
    "rsa",
    "p256",
    "openssl",
    "jsonwebtoken",
    "x509-parser",
];
/// Client-side workspace crates, which the sandbox must not share.
const CLIENT: &[&str] = &[
    "ascert-auth",
    "ascert-transport",
    "ascert-certificates",
    "ascert-keystore",
    "ascert-team",
];

/// What each crate must not depend on (normal dependencies), and why: docs/architecture.md.
fn forbidden(name: &str) -> (Vec<&'static str>, &'static str) {
    match name {
        "ascert-models" => (
            [
                CLIENT,
                &["ascert-keychain", "ascert-sandbox", "clap", "tokio"],
                HTTP,
                CRYPTO,
            ]
            .concat(),
            "models is data only: no other ascert crate, no HTTP, crypto, clap or tokio",
        ),
        "ascert-auth" => (
            [CLIENT, &["ascert-models", "ascert-sandbox"]].concat(),
            "auth turns a key into a token and knows no other layer",
        ),
        "ascert-transport" => (
            vec![
                "ascert-certificates",
                "ascert-keystore",
                "ascert-sandbox",
                "ascert-team",
            ],
            "transport never depends on the API layer",
        ),
        "ascert-certificates" => (
            vec!["ascert-auth", "ascert-keystore", "ascert-sandbox", "ascert-team"],
            "certificates depends on transport and models only",
        ),
        "ascert-keystore" => (
            [
                &[
                    "ascert-auth",
                    "ascert-transport",
                    "ascert-certificates",
                    "ascert-sandbox",
                    "ascert-team",
                ],
                HTTP,
            ]
            .concat(),
            "keystore never does HTTP",
        ),
        "ascert-team" => (
            [
                &[
                    "ascert-auth",
                    "ascert-transport",
                    "ascert-certificates",
                    "ascert-sandbox",
                    "ascert-keychain",
                ],
                HTTP,
                &["ring", "openssl", "native-tls", "rustls"],
            ]
            .concat(),
            "team stores and coordinates: keystore-level types and object_store/age only; it reaches \
             storage through object_store's HTTP client alone, never the App Store Connect client",
        ),
        "ascert-sandbox" => (
            [CLIENT, &["ascert-keychain"]].concat(),
            "sandbox shares no code with the client",
        ),
        "ascert-keychain" => (
            [
                CLIENT,
                &["ascert-models", "ascert-sandbox"],
                HTTP,
                &["rcgen", "aws-lc-rs", "ring", "openssl"],
            ]
            .concat(),
            "keychain depends on no other ascert crate, does no HTTP and builds no C code for macOS",
        ),
        _ => (Vec::new(), ""),
    }
}

/// Architecture invariants: which workspace crates and external crates each layer may not use.
#[test]
fn architecture_invariants_hold() {
    for (name, (_, manifest)) in &packages() {
        let deps = normal_dependencies(manifest);
        assert!(
            !deps.iter().any(|d| d == "ascert"),
            "{name} depends on the CLI; nothing may"
        );
        let (forbidden, why) = forbidden(name);
        for dep in &deps {
            assert!(
                !forbidden.contains(&dep.as_str()),
                "{name} must not depend on {dep}: {why}"
            );
        }
    }
}

#[test]
fn architecture_doc_names_every_crate() {
    let doc = fs::read_to_string(root().join("docs/architecture.md")).unwrap();
    for name in packages().keys() {
        assert!(
            doc.contains(name.as_str()),
            "docs/architecture.md does not mention {name}"
        );
    }
}

/// ascert-team reaches object storage through `object_store`'s reqwest: the workspace's one TLS and
/// crypto stack (rustls on aws-lc-rs). No second TLS library, and no ring, on any target, with the
/// `gcp` and `azure` features too.
#[test]
fn team_uses_the_workspace_tls_stack_only() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = std::process::Command::new(cargo)
        .args([
            "tree",
            "-p",
            "ascert-team",
            "-e",
            "normal",
            "--target",
            "all",
            "--prefix",
            "none",
            "--locked",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8(output.stdout).unwrap();
    let packages: std::collections::BTreeSet<&str> =
        tree.lines().filter_map(|l| l.split(" (").next()).collect();
    for banned in ["ring ", "openssl ", "openssl-sys ", "native-tls ", "boring "] {
        assert!(
            !packages.iter().any(|p| p.starts_with(banned)),
            "ascert-team pulls in {banned}: {packages:?}"
        );
    }
    let rustls: Vec<_> = packages.iter().filter(|p| p.starts_with("rustls v")).collect();
    assert_eq!(rustls.len(), 1, "one rustls: {rustls:?}");
    assert!(
        packages.iter().any(|p| p.starts_with("aws-lc-rs v")),
        "{packages:?}"
    );
}
