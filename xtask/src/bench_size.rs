//! The `size` bench section: what the app weighs and how fast it starts offline, against a
//! Leptos hello world built and served the same way.
//!
//! The hello world is a throwaway crate generated under `<target>/bench/hello/` (never
//! committed): a counter button, the app's locked Leptos and wasm-bindgen versions (the
//! workspace's Cargo.lock is copied in), the workspace's `release` and `wasm-release` profiles
//! copied verbatim, and the same pipeline as `cargo xtask dist` (wasm-bindgen, wasm-opt, the
//! app's static files and service worker). Time to interactive is measured by
//! `tests/benches/tti.rs` in headless Chromium.

use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use xshell::{cmd, Shell};

use crate::tools::{self, CHROMEDRIVER, CHROMIUM};
use crate::{bench, frontend, Workspace};

const HELLO_PACKAGE: &str = "labblogg-bench-hello";
/// The files of a build that make up "the app": the wasm and its JS glue.
const APP_FILES: [&str; 2] = ["labblogg_bg.wasm", "labblogg.js"];

pub fn run(sh: &Shell, ws: &Workspace) -> Result<Vec<Value>> {
    tools::ensure_frontend_tools(sh, ws)?;
    tools::ensure_browser(sh)?;

    // Built apart from `<target>/dist`, which the end-to-end tests may be serving right now.
    let app_dist = ws.target_dir.join("bench/app/dist");
    frontend::build_dist(sh, ws, frontend::PACKAGE, None, &app_dist)?;
    let hello_dir = ws.target_dir.join("bench/hello");
    write_hello_crate(ws, &hello_dir)?;
    let hello_dist = hello_dir.join("dist");
    frontend::build_dist(sh, ws, HELLO_PACKAGE, Some(&hello_dir.join("Cargo.toml")), &hello_dist)?;

    let mut values = vec![sizes(sh, "size.app", &app_dist)?, sizes(sh, "size.hello", &hello_dist)?];

    let server = bench::server_binary(sh, ws)?;
    let cargo = &ws.cargo;
    let command = cmd!(sh, "{cargo} bench -p labblogg-e2e --bench tti")
        .env("LABBLOGG_BENCH_SERVER", &server)
        .env("LABBLOGG_BENCH_APP_DIST", &app_dist)
        .env("LABBLOGG_BENCH_HELLO_DIST", &hello_dist)
        .env("CHROMEDRIVER", CHROMEDRIVER)
        .env("CHROMIUM", CHROMIUM);
    values.extend(bench::collect(command)?);
    Ok(values)
}

/// Raw, gzip and brotli bytes of the wasm plus its JS glue in a built `dist`: with a split
/// build, every chunk and the chunks' loader too (the whole app; the first screen's share is
/// the `lighthouse` section's `size.first_screen`).
fn sizes(sh: &Shell, name: &str, dist: &Path) -> Result<Value> {
    let mut total = [0u64; 3];
    let mut files = serde_json::Map::new();
    let mut names: Vec<String> = APP_FILES.iter().map(|f| f.to_string()).collect();
    for entry in fs::read_dir(dist)? {
        let file = entry?.file_name().to_string_lossy().into_owned();
        if (file.ends_with(".wasm") || file == "__wasm_split.js") && !names.contains(&file) {
            names.push(file);
        }
    }
    for file in &names {
        let (raw, gzip, brotli) = compressed_sizes(sh, &dist.join(file))?;
        files.insert(file.clone(), json!({"raw": raw, "gzip": gzip, "brotli": brotli}));
        for (t, x) in total.iter_mut().zip([raw, gzip, brotli]) {
            *t += x;
        }
    }
    Ok(json!({"name": name, "unit": "bytes", "raw": total[0], "gzip": total[1], "brotli": total[2], "files": files}))
}

/// Raw size, gzip at its default level (as a server compresses on the fly) and brotli at
/// quality 11 (as precompressed static files). Brotli comes from Debian's `brotli` when it is
/// installed, else from Node's zlib (the same reference library, bundled with Node, which the
/// build needs for wasm-opt anyway).
pub fn compressed_sizes(sh: &Shell, path: &Path) -> Result<(u64, u64, u64)> {
    let raw = fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.len();
    let gzip = cmd!(sh, "gzip -c {path}").quiet().output()?.stdout.len() as u64;
    let brotli = match cmd!(sh, "brotli -c -q 11 {path}").quiet().ignore_stderr().output() {
        Ok(out) => out.stdout.len() as u64,
        Err(_) => {
            let script = "const z = require('zlib'); const data = require('fs').readFileSync(process.argv[1]);\
                          process.stdout.write(String(z.brotliCompressSync(data, { params: {\
                          [z.constants.BROTLI_PARAM_QUALITY]: 11, [z.constants.BROTLI_PARAM_SIZE_HINT]: data.length } }).length));";
            let out = cmd!(sh, "node -e {script} {path}")
                .quiet()
                .read()
                .context("brotli: neither Debian's `brotli` nor node is available")?;
            out.trim().parse().context("brotli size from node")?
        }
    };
    Ok((raw, gzip, brotli))
}

/// Writes the hello world's crate, replacing what a previous run left.
fn write_hello_crate(ws: &Workspace, dir: &Path) -> Result<()> {
    let lock_path = ws.root.join("Cargo.lock");
    let lock = fs::read_to_string(&lock_path).with_context(|| format!("reading {}", lock_path.display()))?;
    let manifest = fs::read_to_string(ws.root.join("Cargo.toml"))?;
    let leptos = locked(&lock, "leptos")?;
    let wasm_bindgen = locked(&lock, "wasm-bindgen")?;
    let profiles = ["release", "wasm-release"]
        .iter()
        .map(|p| toml_section(&manifest, &format!("[profile.{p}]")))
        .collect::<Result<Vec<_>>>()?
        .join("\n");

    fs::create_dir_all(dir.join("src"))?;
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            "# Generated by `cargo xtask bench size`: a Leptos hello world to compare the app with.\n\
             [package]\nname = \"{HELLO_PACKAGE}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [lib]\ncrate-type = [\"cdylib\"]\n\n\
             [dependencies]\nleptos = {{ version = \"={leptos}\", features = [\"csr\"] }}\n\
             wasm-bindgen = \"={wasm_bindgen}\"\n\n\
             # Its own workspace, so the outer one does not claim it.\n[workspace]\n\n\
             # Copied from the workspace's Cargo.toml.\n{profiles}"
        ),
    )?;
    fs::write(
        dir.join("src/lib.rs"),
        "//! Generated by `cargo xtask bench size`: Leptos's counter, the smallest interactive app.\n\
         use leptos::prelude::*;\n\n\
         #[wasm_bindgen::prelude::wasm_bindgen(start)]\n\
         pub fn start() {\n    \
             leptos::mount::mount_to_body(|| {\n        \
                 let count = RwSignal::new(0);\n        \
                 view! { <button data-testid=\"hello-button\" on:click=move |_| *count.write() += 1>\"+1: \"{count}</button> }\n    \
             });\n\
         }\n",
    )?;
    // The app's exact dependency versions, and no registry lookups for them.
    fs::write(dir.join("Cargo.lock"), lock)?;
    Ok(())
}

/// The version of `package` in a Cargo.lock.
fn locked(lock: &str, package: &str) -> Result<String> {
    let name_line = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == name_line {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_owned());
            }
        }
    }
    bail!("{package} is not in Cargo.lock")
}

/// A `[header]` section of a TOML file, up to the next header.
fn toml_section(toml: &str, header: &str) -> Result<String> {
    let start = toml.lines().position(|l| l.trim() == header).with_context(|| format!("no {header} in Cargo.toml"))?;
    let section: Vec<&str> = toml
        .lines()
        .skip(start)
        .enumerate()
        .take_while(|(i, l)| *i == 0 || !l.trim_start().starts_with('['))
        .map(|(_, l)| l)
        .collect();
    Ok(section.join("\n").trim_end().to_owned() + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_sections_are_copied_verbatim() {
        let toml = "[workspace]\nx = 1\n\n[profile.wasm-release]\n# why\ninherits = \"release\"\nlto = true\n\n[profile.release]\nopt-level = 3\n";
        assert_eq!(
            toml_section(toml, "[profile.wasm-release]").unwrap(),
            "[profile.wasm-release]\n# why\ninherits = \"release\"\nlto = true\n"
        );
        assert_eq!(toml_section(toml, "[profile.release]").unwrap(), "[profile.release]\nopt-level = 3\n");
        assert!(toml_section(toml, "[profile.dev]").is_err());
    }

    #[test]
    fn the_workspace_has_what_the_hello_world_copies() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(toml_section(&manifest, "[profile.wasm-release]").unwrap().contains("opt-level"));
        let lock = fs::read_to_string(root.join("Cargo.lock")).unwrap();
        assert!(locked(&lock, "leptos").unwrap().starts_with("0."));
    }
}
