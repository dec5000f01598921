//! `cargo xtask run`: build the app and the server, then start the server on the demo data.

use std::process::Command;

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

use crate::{frontend, Workspace};

const DEFAULT_PORT: u16 = 8080;

pub fn run(sh: &Shell, ws: &Workspace, args: Vec<String>) -> Result<()> {
    let RunArgs { port, server_args } = parse_args(args)?;
    // An explicit --port wins over the environment, the environment over the default.
    let bind = match (port, std::env::var("LABBLOGG_BIND")) {
        (Some(port), _) => format!("127.0.0.1:{port}"),
        (None, Ok(bind)) if !bind.is_empty() => bind,
        _ => format!("127.0.0.1:{DEFAULT_PORT}"),
    };

    frontend::dist(sh, ws)?;
    let cargo = &ws.cargo;
    cmd!(sh, "{cargo} build --release -p labblogg-server").run()?;

    // SQLite creates the database file but not its directory (default `data/labblogg.db`).
    sh.create_dir(ws.root.join("data"))?;

    let server = ws.target_dir.join("release/labblogg");
    let dist = ws.dist_dir();
    let command: Command =
        cmd!(sh, "{server} serve --demo --demo-year --assets {dist} --bind {bind} {server_args...}").into();

    let url_host = bind.replace("0.0.0.0", "127.0.0.1");
    println!();
    println!("labblogg: http://{url_host}/");
    println!("  personal   / personal     staff, Lina Hage mötesplats");
    println!("  samordnare / samordnare   coordinator, all four labs");
    println!("  admin      / admin        administrator (accounts, devices, labs, audit log), reads all four labs");
    println!();
    exec(command)
}

struct RunArgs {
    port: Option<u16>,
    server_args: Vec<String>,
}

fn parse_args(args: Vec<String>) -> Result<RunArgs> {
    let mut port = None;
    let mut server_args = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let value = if arg == "--port" {
            Some(args.next().context("--port needs a value")?)
        } else {
            arg.strip_prefix("--port=").map(str::to_string)
        };
        match value {
            Some(value) => {
                port = Some(value.parse().with_context(|| format!("--port {value:?}"))?);
            }
            // Everything after `--` belongs to the server, even a `--port`.
            None if arg == "--" => server_args.extend(args.by_ref()),
            None => server_args.push(arg),
        }
    }
    Ok(RunArgs { port, server_args })
}

/// Replaces this process with the server, so Ctrl-C and signals reach it directly and no xtask
/// process is left waiting.
#[cfg(unix)]
fn exec(mut command: Command) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let err = command.exec();
    bail!("starting {:?}: {err}", command.get_program())
}

#[cfg(not(unix))]
fn exec(mut command: Command) -> Result<()> {
    let status = command.status().with_context(|| format!("starting {:?}", command.get_program()))?;
    if !status.success() {
        bail!("the server exited with {status}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> (Option<u16>, Vec<String>) {
        let parsed = parse_args(args.iter().map(|a| a.to_string()).collect()).unwrap();
        (parsed.port, parsed.server_args)
    }

    #[test]
    fn port_is_taken_and_everything_else_passed_on() {
        assert_eq!(parse(&[]), (None, vec![]));
        assert_eq!(parse(&["--port", "9000", "--log", "debug"]), (Some(9000), vec!["--log".into(), "debug".into()]));
        assert_eq!(parse(&["-v", "--port=81"]), (Some(81), vec!["-v".into()]));
        assert_eq!(parse(&["--", "--port", "1"]), (None, vec!["--port".into(), "1".into()]));
        assert!(parse_args(vec!["--port".into()]).is_err());
        assert!(parse_args(vec!["--port".into(), "http".into()]).is_err());
    }
}
