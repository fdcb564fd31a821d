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
    "ascert-profiles",
    "ascert-keystore",
    "ascert-team",
    "ascert-workflows",
];

/// What the API crates (certificates, profiles), each over transport and models alone, must not use.
const API_LAYER: &[&str] = &[
    "ascert-auth",
    "ascert-keystore",
    "ascert-keychain",
    "ascert-mobileprovision",
    "ascert-sandbox",
    "ascert-team",
    "ascert-workflows",
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
            [CLIENT, &["ascert-models", "ascert-keychain", "ascert-sandbox"]].concat(),
            "auth turns a key into a token and knows no other layer",
        ),
        "ascert-transport" => (
            vec![
                "ascert-certificates",
                "ascert-profiles",
                "ascert-keystore",
                "ascert-keychain",
                "ascert-sandbox",
                "ascert-team",
                "ascert-workflows",
            ],
            "transport depends on auth and models only, never on the API layer",
        ),
        "ascert-certificates" => (
            [API_LAYER, &["ascert-profiles"], HTTP].concat(),
            "certificates depends on transport and models only, and does HTTP only through transport",
        ),
        "ascert-profiles" => (
            [API_LAYER, &["ascert-certificates"], HTTP].concat(),
            "profiles depends on transport and models only, and does HTTP only through transport",
        ),
        "ascert-keystore" => (
            [
                &[
                    "ascert-auth",
                    "ascert-transport",
                    "ascert-certificates",
                    "ascert-sandbox",
                    "ascert-team",
                    "ascert-workflows",
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
                    "ascert-workflows",
                ],
                HTTP,
                &["ring", "openssl", "native-tls", "rustls"],
            ]
            .concat(),
            "team stores and coordinates: keystore-level types and object_store/age only; it reaches \
             storage through object_store's HTTP client alone, never the App Store Connect client",
        ),
        "ascert-workflows" => (
            [&["ascert-auth", "ascert-keychain", "ascert-sandbox"][..], HTTP].concat(),
            "workflows puts the client layers together: it reaches Apple through ascert-certificates and \
             storage through ascert-team, never the keychain, the sandbox or HTTP of its own",
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
        "ascert-mobileprovision" => (
            [
                CLIENT,
                &["ascert-models", "ascert-keychain", "ascert-sandbox"],
                HTTP,
            ]
            .concat(),
            "mobileprovision is usable alone: no other ascert crate, no HTTP",
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

/// What does I/O in Rust source: files, sockets, processes, the environment, the standard streams,
/// an async runtime.
const IO: &[&str] = &[
    "fs::",
    "File::",
    "OpenOptions",
    "net::",
    "TcpStream",
    "UdpSocket",
    "process::",
    "Command::",
    "env::",
    "io::stdin",
    "io::stdout",
    "io::stderr",
    "stdin()",
    "stdout()",
    "stderr()",
    "print!",
    "println!",
    "eprint!",
    "eprintln!",
    "tokio",
];

/// "ascert-models … does no I/O" (docs/architecture.md): its manifest keeps tokio and HTTP out
/// (`architecture_invariants_hold`), and its code outside tests names no file, socket, process,
/// environment variable or standard stream.
#[test]
fn models_does_no_io() {
    let mut files = Vec::new();
    rust_files(&root().join("crates/models/src"), &mut files);
    assert!(!files.is_empty(), "no source files found in crates/models/src");
    let test_only = test_only_files(&files);
    let mut findings = Vec::new();
    for file in &files {
        if test_only.iter().any(|t| file == t || file.starts_with(t)) {
            continue;
        }
        let text = fs::read_to_string(file).unwrap();
        for (number, line) in production_lines(&text) {
            if let Some(io) = IO.iter().find(|pattern| line.contains(*pattern)) {
                let relative = file.strip_prefix(root()).unwrap().display().to_string();
                findings.push(format!("{relative}:{number}: {line} ({io})"));
            }
        }
    }
    assert!(
        findings.is_empty(),
        "ascert-models does no I/O (docs/architecture.md): the caller reads and writes, the models \
         only turn bytes into types and back:\n{}",
        findings.join("\n")
    );
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

/// The dependency edges between the workspace's crates, as the manifests declare them (normal
/// dependencies, target-specific ones included): `(from, to)`.
fn internal_edges() -> std::collections::BTreeSet<(String, String)> {
    let packages = packages();
    let mut edges = std::collections::BTreeSet::new();
    for (name, (_, manifest)) in &packages {
        for dep in normal_dependencies(manifest) {
            if packages.contains_key(&dep) && name != "xtask" {
                edges.insert((name.clone(), dep));
            }
        }
    }
    edges
}

/// The edges docs/architecture.md lists under "Dependency edges": lines `from -> to, to, ...`.
fn documented_edges() -> std::collections::BTreeSet<(String, String)> {
    let doc = fs::read_to_string(root().join("docs/architecture.md")).unwrap();
    let section = doc
        .split("## Dependency edges")
        .nth(1)
        .expect("docs/architecture.md has a \"## Dependency edges\" section");
    let block = section
        .split("```")
        .nth(1)
        .expect("the edges are in a ``` block of their section");
    let mut edges = std::collections::BTreeSet::new();
    for line in block.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (from, to) = line
            .split_once("->")
            .unwrap_or_else(|| panic!("not an edge line (`from -> to, to`): {line:?}"));
        for to in to.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            edges.insert((from.trim().to_owned(), to.to_owned()));
        }
    }
    edges
}

/// docs/architecture.md names every real dependency edge between the crates, and no other.
#[test]
fn architecture_doc_names_every_dependency_edge() {
    let real = internal_edges();
    let documented = documented_edges();
    let missing: Vec<_> = real.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&real).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "docs/architecture.md's \"Dependency edges\" differ from the manifests:\n  missing (from, to): \
         {missing:?}\n  listed but not real: {stale:?}"
    );
}

/// The packages of `cargo tree` for `args` (names and versions, deduplicated).
fn tree(args: &[&str]) -> std::collections::BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = std::process::Command::new(cargo)
        .args(["tree", "--prefix", "none", "--locked"])
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo tree {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split(" (").next())
        .map(str::to_owned)
        .collect()
}

/// ascert-keychain builds no C code for macOS, so that Linux CI can type-check it (and its macOS
/// tests) for both macOS targets: no crate that compiles C (cc, cmake, the crypto and TLS crates)
/// is in its tree there, build dependencies included.
#[test]
fn keychain_builds_no_c_code_for_macos() {
    for target in ["aarch64-apple-darwin", "x86_64-apple-darwin"] {
        let packages = tree(&["-p", "ascert-keychain", "-e", "normal,build", "--target", target]);
        for banned in [
            "cc ",
            "cmake ",
            "aws-lc-sys ",
            "aws-lc-rs ",
            "ring ",
            "openssl-sys ",
            "libdbus-sys ",
        ] {
            assert!(
                !packages.iter().any(|p| p.starts_with(banned)),
                "ascert-keychain pulls in {banned}for {target}: {packages:?}"
            );
        }
    }
}

/// ascert-auth's OS credential store (keyring-core, and libdbus's C code on Linux) is a feature
/// that only the CLI turns on: the layers below it and a library user who turns it off do without.
#[test]
fn the_credential_store_is_opt_in_below_the_cli() {
    for args in [
        &["-p", "ascert-certificates", "-e", "normal", "--target", "all"][..],
        &[
            "-p",
            "ascert-certificates",
            "-e",
            "normal",
            "--target",
            "all",
            "--no-default-features",
        ],
        &[
            "-p",
            "ascert-auth",
            "-e",
            "normal",
            "--target",
            "all",
            "--no-default-features",
        ],
        &["-p", "ascert-transport", "-e", "normal", "--target", "all"],
    ] {
        let packages = tree(args);
        for banned in [
            "keyring-core ",
            "libdbus-sys ",
            "dbus ",
            "dbus-secret-service-keyring-store ",
        ] {
            assert!(
                !packages.iter().any(|p| p.starts_with(banned)),
                "cargo tree {args:?} has {banned}: {packages:?}"
            );
        }
    }
    let with_store = tree(&[
        "-p",
        "ascert",
        "-e",
        "normal",
        "--target",
        "x86_64-unknown-linux-gnu",
    ]);
    assert!(
        with_store.iter().any(|p| p.starts_with("keyring-core ")),
        "the CLI turns the credential store on"
    );
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

/// The files of `crates/*/src` that may read files or standard input other than through a bounded
/// reader, each with the reason. Every other read there of a file's contents or of stdin is a
/// finding: user input goes through `crates/cli/src/input.rs` (or a library's bounded reader below),
/// which refuses what is larger than its kind's limit (docs/security.md, "Input limits").
const UNBOUNDED_READS_ALLOWED: &[(&str, &str)] = &[
    (
        "crates/cli/src/input.rs",
        "the CLI's bounded reader of user files and stdin",
    ),
    (
        "crates/auth/src/key/files.rs",
        "ascert-auth's bounded reader of API key files (MAX_KEY_FILE)",
    ),
    (
        "crates/keystore/src/bounded.rs",
        "ascert-keystore's bounded reader of CA folders (MAX_CERTIFICATE_FILE)",
    ),
    (
        "crates/keystore/src/store.rs",
        "the keystore's own key, record and marker files, which it wrote (0600, in a 0700 folder it checks)",
    ),
    (
        "crates/team/src/trust.rs",
        "the trust records ascert-team writes itself (0600, in the trust folder), read up to 64 KiB",
    ),
    (
        "crates/keystore/src/atomic.rs",
        "opens a folder to fsync it after a rename; reads nothing",
    ),
    (
        "crates/keystore/src/runs.rs",
        "opens the keystore's run lock file to flock it; reads nothing",
    ),
    (
        "crates/sandbox/src/fs.rs",
        "opens a folder to fsync it after a rename; reads nothing",
    ),
    (
        "crates/sandbox/src/state.rs",
        "the sandbox's own --state file, which it wrote (0600)",
    ),
    (
        "crates/cli/src/commands/keychain/state.rs",
        "ascert's own keychains.json, which it wrote (0600)",
    ),
    (
        "crates/cli/src/commands/demo.rs",
        "reads back the .p12 the demo has just written, to check it",
    ),
    (
        "crates/keychain/src/runner.rs",
        "the output pipes of /usr/bin/security, a child that the runner kills at its time limit",
    ),
    (
        "crates/mobileprovision/src/files.rs",
        "ascert-mobileprovision's bounded reader of profiles (MAX_PROFILE_SIZE); opens a folder to fsync it",
    ),
    (
        "crates/team/src/crypto.rs",
        "decrypts a payload already in memory: never more than its ciphertext",
    ),
];

/// What reads a file's contents or standard input.
const READS: &[&str] = &[
    "fs::read(",
    "fs::read_to_string(",
    "read_to_end(",
    "read_to_string(",
    "File::open(",
    "OpenOptions::new().read(",
    ".read(true)",
    "from_reader(",
    "stdin()",
];

/// The files of `crates/*/src` that are compiled for tests only: those of modules declared under
/// `#[cfg(test)]` (`mod tests;` and the folders of such modules).
fn test_only_files(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut test_only = Vec::new();
    for file in files {
        let text = fs::read_to_string(file).unwrap();
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for pair in lines.windows(2) {
            let Some(name) = pair[1].strip_prefix("mod ").and_then(|m| m.strip_suffix(';')) else {
                continue;
            };
            if pair[0] != "#[cfg(test)]" {
                continue;
            }
            let stem = file.file_stem().unwrap().to_string_lossy();
            let dir = if ["lib", "main", "mod"].contains(&stem.as_ref()) {
                file.parent().unwrap().to_path_buf()
            } else {
                file.with_extension("")
            };
            test_only.push(dir.join(format!("{name}.rs")));
            test_only.push(dir.join(name));
        }
    }
    test_only
}

/// `text` without its inline test modules (from `#[cfg(test)]` before `mod … {`, or before the
/// `pub(crate) mod … {` of a test module whose helpers other test modules share, on) and without
/// comments, line by line with line numbers.
fn production_lines(text: &str) -> Vec<(usize, &str)> {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .windows(2)
        .position(|pair| {
            let module = pair[1].trim_start();
            pair[0].trim() == "#[cfg(test)]"
                && (module.starts_with("mod ") || module.starts_with("pub(crate) mod "))
                && pair[1].trim_end().ends_with('{')
        })
        .unwrap_or(lines.len());
    lines[..end]
        .iter()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.starts_with("//"))
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every input has a size: a file the user names, standard input or a file an environment variable
/// points to is read through a bounded reader, never with `fs::read`, `read_to_string`,
/// `read_to_end` or the like (`UNBOUNDED_READS_ALLOWED` lists the exceptions and why).
#[test]
fn user_input_is_read_through_the_bounded_readers() {
    let mut files = Vec::new();
    for entry in fs::read_dir(root().join("crates")).unwrap() {
        let src = entry.unwrap().path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    let test_only = test_only_files(&files);
    let mut findings = Vec::new();
    let mut allowed_and_reading = Vec::new();
    for file in &files {
        if test_only.iter().any(|t| file == t || file.starts_with(t)) {
            continue;
        }
        let relative = file
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = fs::read_to_string(file).unwrap();
        for (number, line) in production_lines(&text) {
            let reads = READS.iter().any(|pattern| {
                line.match_indices(pattern).any(|(at, _)| {
                    // Asking whether stdin is a terminal reads nothing.
                    !(*pattern == "stdin()" && line[at..].starts_with("stdin().is_terminal()"))
                })
            });
            if !reads {
                continue;
            }
            if UNBOUNDED_READS_ALLOWED.iter().any(|(path, _)| *path == relative) {
                allowed_and_reading.push(relative.clone());
            } else {
                findings.push(format!("{relative}:{number}: {line}"));
            }
        }
    }
    assert!(
        findings.is_empty(),
        "read user input through crates/cli/src/input.rs (input::read, read_text, read_secret, \
         read_secret_text, read_stdin_secret), or add the file to UNBOUNDED_READS_ALLOWED with the \
         reason its reads are not user input:\n{}",
        findings.join("\n")
    );
    for (path, _) in UNBOUNDED_READS_ALLOWED {
        assert!(
            allowed_and_reading.iter().any(|p| p == path),
            "{path} is in UNBOUNDED_READS_ALLOWED but reads nothing: remove it from the list"
        );
    }
}
