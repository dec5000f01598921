//! Command line and `LABBLOGG_*` environment configuration.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "labblogg", version, about = "Logbook server for allmännyttans innovationslabb")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the app and the sync API.
    Serve(ServeArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LABBLOGG_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    #[command(flatten)]
    pub db: DbArgs,
    /// Folder with the built app (index.html, labblogg.js, …). Without it only the API is served.
    #[arg(long, env = "LABBLOGG_ASSETS")]
    pub assets: Option<PathBuf>,
    /// Create the demo labs and the demo accounts if they are missing.
    #[arg(long, env = "LABBLOGG_DEMO")]
    pub demo: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Where the data lives: `sqlite://path/to/file.db` (created if missing).
    #[arg(long = "database-url", env = "LABBLOGG_DATABASE_URL", default_value = "sqlite://data/labblogg.db")]
    pub database_url: String,
}
