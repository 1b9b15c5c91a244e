//! The layers stay one-way (ARCHITECTURE.md, "Layers"): no import cycle
//! between the top-level modules (`src/*.rs` and their folders), and no
//! module reaches up the chain store and cache -> pipeline -> worker -> app
//! -> ui, with the headless output beside the ui, never under it. Read from
//! the `crate::` paths of the sources (`use crate::x`, `crate::{x, y}`,
//! `crate::x::Y` in code), so a new import that breaks the rule fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The top-level modules each top-level module names through `crate::`.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    fn walk(dir: &Path, top: Option<&str>, out: &mut BTreeMap<String, BTreeSet<String>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            let module = top.map_or(stem.clone(), str::to_owned);
            if path.is_dir() {
                walk(&path, Some(&module), out);
            } else if path.extension().is_some_and(|ext| ext == "rs")
                && !(top.is_none() && (stem == "lib" || stem == "main"))
            {
                let text = std::fs::read_to_string(&path).unwrap();
                let named = out.entry(module.clone()).or_default();
                for target in crate_paths(&text) {
                    if target != module {
                        named.insert(target);
                    }
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        None,
        &mut out,
    );
    out
}

/// The first segment of every `crate::` path in `text`, comments left out.
fn crate_paths(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |rest: &str| -> String {
        rest.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::c, d::{e, f}}`: the first name of each item.
            for item in split_top(group) {
                let name = ident(&item);
                if !name.is_empty() {
                    found.push(name);
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                found.push(name);
            }
        }
    }
    found
}

/// The items of a `{...}` group at its own depth (the text after the `{`).
fn split_top(group: &str) -> Vec<String> {
    let mut items = vec![String::new()];
    let mut depth = 0;
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(item) = items.last_mut() {
            item.push(c);
        }
    }
    items
}

/// A cycle through `start`, if any, as the modules along it.
fn cycle_from(
    graph: &BTreeMap<String, BTreeSet<String>>,
    start: &str,
    path: &mut Vec<String>,
) -> Option<Vec<String>> {
    let last = path.last().cloned().unwrap_or_else(|| start.to_owned());
    for next in graph.get(&last).into_iter().flatten() {
        if next == start {
            let mut cycle = path.clone();
            cycle.push(start.to_owned());
            return Some(cycle);
        }
        if !path.contains(next) && next.as_str() > start {
            path.push(next.clone());
            if let Some(cycle) = cycle_from(graph, start, path) {
                return Some(cycle);
            }
            path.pop();
        }
    }
    None
}

#[test]
fn the_parser_reads_every_form_of_crate_path() {
    let text = "use crate::alpha::X;\nuse crate::{beta, gamma::{Y, Z}, delta::W};\n\
                // use crate::comment;\nlet t = crate::epsilon::now(); use crate::{\n    zeta,\n};";
    assert_eq!(
        crate_paths(text),
        ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
    );
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let graph = imports();
    assert!(graph.len() > 20, "the modules were found: {graph:?}");
    assert!(graph["ui"].contains("app"), "the ui's imports were read");
    for module in graph.keys() {
        let mut path = vec![module.clone()];
        if let Some(cycle) = cycle_from(&graph, module, &mut path) {
            panic!(
                "import cycle between top-level modules: {}",
                cycle.join(" -> ")
            );
        }
    }
}

#[test]
fn the_layers_point_one_way() {
    let graph = imports();
    // What each layer may not name: the layers above it, and for the ui and
    // the headless output, each other.
    let rules: [(&str, &[&str]); 7] = [
        (
            "store",
            &[
                "cache",
                "pipeline",
                "protocol",
                "worker",
                "app",
                "ui",
                "output",
                "commands",
                "dashboard",
            ],
        ),
        (
            "cache",
            &[
                "pipeline",
                "protocol",
                "worker",
                "app",
                "ui",
                "output",
                "commands",
                "dashboard",
            ],
        ),
        (
            "pipeline",
            &[
                "protocol",
                "worker",
                "app",
                "ui",
                "output",
                "commands",
                "dashboard",
            ],
        ),
        ("worker", &["app", "ui", "output", "commands", "dashboard"]),
        (
            "app",
            &[
                "store",
                "cache",
                "worker",
                "ui",
                "output",
                "commands",
                "dashboard",
            ],
        ),
        (
            "ui",
            &[
                "store",
                "cache",
                "worker",
                "output",
                "commands",
                "dashboard",
            ],
        ),
        ("output", &["app", "worker", "ui", "commands", "dashboard"]),
    ];
    let mut broken = Vec::new();
    for (module, above) in rules {
        let named = graph
            .get(module)
            .unwrap_or_else(|| panic!("no module {module}"));
        for target in above {
            if named.contains(*target) {
                broken.push(format!("{module} imports {target}"));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "layers reached up: {}",
        broken.join(", ")
    );
}
