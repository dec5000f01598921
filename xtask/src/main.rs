//! Project automation, run as `cargo xtask <command>` (alias in `.cargo/config.toml`).
//!
//! Written in Rust rather than shell so it runs the same on every machine, and every external
//! command goes through `xshell::cmd!`, which passes arguments without a shell in between.

mod bench;
mod bench_lighthouse;
mod bench_pouch;
mod bench_size;
mod faults;
mod frontend;
mod postgres;
mod run;
mod schemathesis;
mod test;
mod tools;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use xshell::Shell;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  dist                     build the frontend into <target>/dist (wasm-bindgen, wasm-opt, static files)
  run [--port N] [ARGS..]  build everything and start the demo server (ARGS go to `labblogg serve`)
  test                     install missing tools, then run every test (native, end-to-end, browser)
  bench [SECTION..]        benchmarks beside their baselines: write, server, sync, size, summary,
                           verifier, lighthouse (default all); table on stdout, JSON in <target>/bench/results.json
  schemathesis             fuzz /api/v1 from outside against its OpenAPI document (also in `test`)
  faults [--seed S] [--devices N] [--ops M] [--browser]
                           the fault-injection suite, bigger than in `test` (see `faults --help`)
";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next();
    let rest: Vec<String> = args.collect();

    let ws = Workspace::locate()?;
    let sh = Shell::new()?;
    // Every command works from the workspace root, wherever `cargo xtask` was started: the
    // server's default database path (`data/labblogg.db`) is relative to it.
    sh.change_dir(&ws.root);

    match command.as_deref() {
        Some("dist") => {
            no_extra_args("dist", &rest)?;
            frontend::dist(&sh, &ws)
        }
        Some("run") => run::run(&sh, &ws, rest),
        Some("test") => {
            no_extra_args("test", &rest)?;
            test::test(&sh, &ws)
        }
        Some("bench") => bench::bench(&sh, &ws, rest),
        Some("faults") => faults::faults(&sh, &ws, rest),
        Some("schemathesis") => {
            no_extra_args("schemathesis", &rest)?;
            schemathesis::schemathesis(&sh, &ws)
        }
        Some("help" | "-h" | "--help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown command `{other}`\n\n{USAGE}"),
        None => bail!("no command given\n\n{USAGE}"),
    }
}

fn no_extra_args(command: &str, rest: &[String]) -> Result<()> {
    if rest.is_empty() {
        Ok(())
    } else {
        bail!("`cargo xtask {command}` takes no arguments, got {rest:?}")
    }
}

/// Where things are. Resolved at run time so the workspace can move and `CARGO_TARGET_DIR` is
/// honoured the same way cargo honours it for the builds we start.
pub struct Workspace {
    pub root: PathBuf,
    pub target_dir: PathBuf,
    /// The cargo that runs us (set by `cargo run`), so nested builds use the same toolchain.
    pub cargo: PathBuf,
}

impl Workspace {
    fn locate() -> Result<Workspace> {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir.parent().context("xtask's manifest directory has no parent")?.to_path_buf();
        let target_dir = match std::env::var_os("CARGO_TARGET_DIR") {
            // cargo reads a relative CARGO_TARGET_DIR against the directory it was started in,
            // which is ours too: resolve it before changing directory.
            Some(dir) => {
                let dir = std::path::absolute(dir).context("resolving CARGO_TARGET_DIR")?;
                // Tidier paths in messages (`a/../b`), when the directory exists already.
                std::fs::canonicalize(&dir).unwrap_or(dir)
            }
            None => root.join("target"),
        };
        let cargo = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
        Ok(Workspace { root, target_dir, cargo })
    }

    pub fn dist_dir(&self) -> PathBuf {
        self.target_dir.join("dist")
    }
}
