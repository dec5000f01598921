//! `cargo xtask faults`: the fault-injection suite (issue 8) at a size of your choosing.
//!
//! `cargo xtask test` already runs both halves at CI size with a fixed seed
//! (`server/tests/fault_suite.rs` on SQLite and PostgreSQL, `tests/tests/fault_suite.rs`). This
//! command runs the native
//! half bigger and with a fresh seed unless one is given, and with `--browser` the browser half
//! too (which needs the built app and Chromium, like the end-to-end tests). Each half prints its
//! seed and its table of counts; a failure says which seed replays it.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

use crate::tools::{self, CHROMEDRIVER, CHROMIUM};
use crate::{frontend, postgres, Workspace};

pub const USAGE: &str = "\
usage: cargo xtask faults [--seed S] [--devices N] [--ops M] [--browser [--rounds R]]

  --seed S      the schedule's seed, decimal or 0x-hex (default: a fresh one, printed)
  --devices N   simulated tablets (default 12)
  --ops M       operations per tablet (default 1500)
  --browser     also run the browser half: tabs closed mid-write (builds the app first)
  --rounds R    rounds of the browser half (default 10)
";

struct Options {
    seed: u64,
    devices: u64,
    ops: u64,
    browser: bool,
    rounds: u64,
}

fn number(flag: &str, value: Option<String>) -> Result<u64> {
    let value = value.with_context(|| format!("{flag} needs a value\n\n{USAGE}"))?;
    let parsed = match value.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => value.parse(),
    };
    parsed.with_context(|| format!("{flag} {value}: not a number"))
}

fn parse(args: Vec<String>) -> Result<Options> {
    let fresh = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1);
    let mut o = Options { seed: fresh, devices: 12, ops: 1500, browser: false, rounds: 10 };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seed" => o.seed = number("--seed", args.next())?,
            "--devices" => o.devices = number("--devices", args.next())?,
            "--ops" => o.ops = number("--ops", args.next())?,
            "--rounds" => o.rounds = number("--rounds", args.next())?,
            "--browser" => o.browser = true,
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument `{other}`\n\n{USAGE}"),
        }
    }
    if o.devices < 2 || o.ops == 0 || o.rounds == 0 {
        bail!("at least 2 devices, 1 operation and 1 round\n\n{USAGE}");
    }
    Ok(o)
}

pub fn faults(sh: &Shell, ws: &Workspace, args: Vec<String>) -> Result<()> {
    let o = parse(args)?;
    let cargo = &ws.cargo;
    let seed = format!("{:#x}", o.seed);
    eprintln!("==> fault suite, native half: seed {seed}, {} devices × {} operations", o.devices, o.ops);
    // The native half runs on SQLite and, where PostgreSQL is installed, on a throwaway
    // PostgreSQL too (stopped and deleted when `pg` drops).
    let pg = postgres::TestPostgres::start()?;
    cmd!(sh, "{cargo} test -p labblogg-server --test fault_suite -- --nocapture")
        .env(postgres::URL_VAR, pg.as_ref().map_or("", |pg| pg.url.as_str()))
        .env("LABBLOGG_FAULT_SEED", &seed)
        .env("LABBLOGG_FAULT_DEVICES", o.devices.to_string())
        .env("LABBLOGG_FAULT_OPS", o.ops.to_string())
        .run()
        .with_context(|| {
            format!(
                "the native fault suite failed; replay with `cargo xtask faults --seed {seed} --devices {} --ops {}`",
                o.devices, o.ops
            )
        })?;
    drop(pg);
    if o.browser {
        tools::ensure_frontend_tools(sh, ws)?;
        tools::ensure_browser(sh)?;
        frontend::dist(sh, ws)?;
        eprintln!("==> fault suite, browser half: seed {seed}, {} rounds", o.rounds);
        cmd!(sh, "{cargo} test -p labblogg-e2e --test fault_suite -- --nocapture")
            .env("LABBLOGG_FAULT_SEED", &seed)
            .env("LABBLOGG_FAULT_TAB_ROUNDS", o.rounds.to_string())
            .env("LABBLOGG_TEST_DIST", ws.dist_dir())
            .env("CHROMEDRIVER", CHROMEDRIVER)
            .env("CHROMIUM", CHROMIUM)
            .run()
            .with_context(|| format!("the browser fault suite failed; replay with `cargo xtask faults --seed {seed} --browser --rounds {}`", o.rounds))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_parse() {
        let o =
            parse(vec!["--seed".into(), "0x1f".into(), "--devices".into(), "3".into(), "--browser".into()]).unwrap();
        assert_eq!((o.seed, o.devices, o.ops, o.browser), (31, 3, 1500, true));
        assert!(parse(vec!["--devices".into(), "1".into()]).is_err());
        assert!(parse(vec!["--nope".into()]).is_err());
        assert!(parse(vec!["--ops".into()]).is_err());
    }
}
