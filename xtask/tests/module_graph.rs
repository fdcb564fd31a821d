//! The module graph of every crate has no cycle: a crate's top-level modules (the files and
//! folders of its `src/`) form layers, each using only the ones below it, so that a reader can
//! take a module in without the rest of the crate, and a new module has a clear place. And the
//! code map of docs/architecture.md names every top-level module of the CLI, and only those.
//!
//! An edge is a `crate::NAME` path in a module's production code, where NAME is a module or an
//! item the crate root re-exports from one (`pub use module::Item;`); inline `#[cfg(test)]`
//! modules and files of modules declared under `#[cfg(test)]` do not count (a test may use
//! anything). The crate root (`lib.rs`, `main.rs`) is not a node: it declares and re-exports
//! every module.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The `src/` folder of every package of the workspace that has one.
fn source_folders() -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|entry| entry.unwrap().path().join("src"))
        .filter(|src| src.is_dir())
        .collect();
    folders.push(root().join("xtask/src"));
    folders.sort();
    folders
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

/// The modules the crate root declares under `#[cfg(test)]`: test-only, not nodes.
fn test_only_modules(src: &Path) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for root_file in ["lib.rs", "main.rs"] {
        let Ok(text) = fs::read_to_string(src.join(root_file)) else {
            continue;
        };
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for pair in lines.windows(2) {
            let declared = pair[1]
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ")
                .strip_prefix("mod ")
                .and_then(|m| m.strip_suffix(';'));
            if let Some(name) = declared
                && pair[0].starts_with("#[cfg(test)]")
            {
                names.insert(name.to_owned());
            }
        }
    }
    names
}

/// The items the crate root re-exports (`pub use module::{A, B};`, `pub(crate) use module::A;`),
/// each with the module it comes from.
fn root_exports(src: &Path) -> BTreeMap<String, String> {
    let mut exports = BTreeMap::new();
    for root_file in ["lib.rs", "main.rs"] {
        let Ok(text) = fs::read_to_string(src.join(root_file)) else {
            continue;
        };
        let code = production_code(&text);
        for line in code.split(';') {
            let line = line.trim();
            let Some(path) = line
                .strip_prefix("pub use ")
                .or_else(|| line.strip_prefix("pub(crate) use "))
            else {
                continue;
            };
            let Some((module, items)) = path.split_once("::") else {
                continue;
            };
            for item in items.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                if !item.is_empty() && item != "self" {
                    exports.insert(item.to_owned(), module.trim().to_owned());
                }
            }
        }
    }
    exports
}

/// A file's production code: up to its first inline `#[cfg(test)] mod … {`, without comments.
fn production_code(text: &str) -> String {
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
        .filter(|line| !line.trim_start().starts_with("//"))
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names after each `crate::` in `code`.
fn crate_paths(code: &str) -> BTreeSet<String> {
    code.match_indices("crate::")
        .filter(|(at, _)| {
            // `ascert_crate::` or `$crate::` are not this crate's paths.
            !code[..*at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
        })
        .map(|(at, found)| {
            code[at + found.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// Module → the modules it uses, for the crate in `src`.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let test_only = test_only_modules(src);
    let exports = root_exports(src);
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let first = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        if ["lib", "main"].contains(&module.as_str()) || test_only.contains(&module) {
            continue;
        }
        // `src/bin/*.rs` are crate roots of their own.
        if module == "bin" {
            continue;
        }
        let code = production_code(&fs::read_to_string(&file).unwrap());
        let uses = graph.entry(module.clone()).or_default();
        let targets = crate_paths(&code)
            .into_iter()
            .map(|name| exports.get(&name).cloned().unwrap_or(name));
        uses.extend(targets.filter(|target| *target != module));
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for uses in graph.values_mut() {
        uses.retain(|used| modules.contains(used));
    }
    graph
}

/// Edges a cycle may take, each with why (`crate source folder`, `from`, `to`, reason). Keep it
/// short: each entry is a place where two modules are one layer.
const ALLOWED_EDGES: &[(&str, &str, &str, &str)] = &[(
    "crates/team/src",
    "crypto",
    "trust",
    "crypto::encrypt takes trust::Recipients, the verified member list that only trust.rs can \
     make: the type is what keeps a list read from storage unchecked from ever being encrypted to",
)];

/// Modules that are one layer for now, each group with why (`crate source folder`, modules,
/// reason): the test treats each group as one node, so no other module can join their cycle.
const ONE_LAYER: &[(&str, &[&str], &str)] = &[(
    "crates/team/src",
    &["keeper", "lease", "members", "store"],
    "the impl blocks of TeamStore, split by responsibility across these files, call each other \
     through the store (trust and backend left the group with the wire types of issue 32, part 6: \
     the header's data is in header.rs and the member-list check in records.rs)",
)];

/// `graph` with the group `modules` merged into one node named after its first module.
fn merged(graph: BTreeMap<String, BTreeSet<String>>, modules: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let name = |module: &str| {
        if modules.contains(&module) {
            modules[0].to_owned()
        } else {
            module.to_owned()
        }
    };
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, uses) in graph {
        let node = name(&module);
        let entry = out.entry(node.clone()).or_default();
        entry.extend(uses.iter().map(|u| name(u)).filter(|u| *u != node));
    }
    out
}

/// A cycle of `graph`, as the modules along it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = path.iter().position(|n| n == node).unwrap();
                let mut cycle = path[start..].to_vec();
                cycle.push(node.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.to_owned(), Mark::Open);
        path.push(node.to_owned());
        for next in &graph[node] {
            if let Some(cycle) = visit(next, graph, marks, path) {
                return Some(cycle);
            }
        }
        path.pop();
        marks.insert(node.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut marks, &mut Vec::new()))
}

#[test]
fn no_crate_has_a_cycle_of_modules() {
    let mut cycles = Vec::new();
    for src in source_folders() {
        let mut graph = module_graph(&src);
        let folder = src.strip_prefix(root()).unwrap().to_string_lossy().into_owned();
        for (allowed_in, from, to, _why) in ALLOWED_EDGES {
            if folder == *allowed_in
                && let Some(uses) = graph.get_mut(*from)
            {
                assert!(
                    uses.remove(*to),
                    "{folder}: the allowed edge {from} → {to} is gone: drop it"
                );
            }
        }
        for (layer_in, modules, _why) in ONE_LAYER {
            if folder == *layer_in {
                graph = merged(graph, modules);
            }
        }
        if let Some(cycle) = find_cycle(&graph) {
            cycles.push(format!(
                "{}: {}",
                src.strip_prefix(root()).unwrap().display(),
                cycle.join(" → ")
            ));
        }
    }
    assert!(
        cycles.is_empty(),
        "modules that use each other (move what both need into a module below them):\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_checker_sees_a_cycle_and_ignores_tests_and_other_crates() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    fs::write(src.join("lib.rs"), "mod a;\nmod b;\n#[cfg(test)]\nmod helpers;\n").unwrap();
    fs::write(src.join("a.rs"), "use crate::b::B;\n").unwrap();
    fs::write(
        src.join("b.rs"),
        "// crate::a in a comment\nuse ascert_crate::a;\n#[cfg(test)]\nmod tests {\n    use crate::a;\n}\n",
    )
    .unwrap();
    fs::write(src.join("helpers.rs"), "use crate::a;\n").unwrap();
    assert_eq!(find_cycle(&module_graph(src)), None);
    // An item the root re-exports is an edge to its module.
    fs::write(
        src.join("lib.rs"),
        "mod a;\nmod b;\n#[cfg(test)]\nmod helpers;\npub use a::{A, Other};\n",
    )
    .unwrap();
    fs::write(src.join("b.rs"), "use crate::A;\n").unwrap();
    assert_eq!(
        find_cycle(&module_graph(src)),
        Some(vec!["a".to_owned(), "b".to_owned(), "a".to_owned()])
    );
    fs::write(src.join("b.rs"), "").unwrap();
    fs::create_dir(src.join("c")).unwrap();
    fs::write(src.join("c/mod.rs"), "mod inner;\n").unwrap();
    fs::write(src.join("c/inner.rs"), "use crate::a::A;\n").unwrap();
    fs::write(src.join("a.rs"), "use crate::b::B;\nuse crate::c::C;\n").unwrap();
    fs::write(src.join("b.rs"), "use crate::c;\n").unwrap();
    assert_eq!(
        find_cycle(&module_graph(src)),
        Some(vec![
            "a".to_owned(),
            "b".to_owned(),
            "c".to_owned(),
            "a".to_owned()
        ])
    );
}

/// The top-level modules of `src` (its files and folders, without the crate root).
fn top_level_modules(src: &Path) -> BTreeSet<String> {
    fs::read_dir(src)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir() || path.extension().is_some_and(|e| e == "rs"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() { format!("{name}/") } else { name }
        })
        .filter(|name| !["lib.rs", "main.rs"].contains(&name.as_str()))
        .collect()
}

#[test]
fn the_code_map_names_every_module_of_the_cli() {
    let doc = fs::read_to_string(root().join("docs/architecture.md")).unwrap();
    let map = doc
        .split_once("<!-- code-map: crates/cli/src -->")
        .and_then(|(_, rest)| rest.split_once("<!-- end code-map -->"))
        .expect("docs/architecture.md has the CLI's code map between its markers")
        .0;
    // Each entry is a line `- `NAME`: …`.
    let named: BTreeSet<String> = map
        .lines()
        .filter_map(|line| line.strip_prefix("- `")?.split_once('`'))
        .map(|(name, _)| name.to_owned())
        .collect();
    let modules = top_level_modules(&root().join("crates/cli/src"));
    let missing: Vec<&String> = modules.difference(&named).collect();
    let stale: Vec<&String> = named.difference(&modules).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "docs/architecture.md's code map of crates/cli/src lacks {missing:?} and names {stale:?}, \
         which are not there"
    );
}
