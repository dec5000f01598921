//! Command line and `LABBLOGG_*` environment configuration.

use clap::{Args, Parser, Subcommand};
use labblogg_shared::auth::Role;
use labblogg_shared::model::FocusArea;
use std::net::SocketAddr;
use std::path::PathBuf;
use uuid::Uuid;

#[derive(Debug, Parser)]
#[command(name = "labblogg", version, about = "Logbook server for allmännyttans innovationslabb")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the app and the sync API.
    Serve(ServeCommand),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage device tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage labs.
    #[command(subcommand)]
    Lab(LabCommand),
    /// Write a consistent copy of the database to FILE (the server may keep running).
    Backup(BackupArgs),
    /// Replace the database with the backup FILE. Refused while a server serves
    /// the database; every device must sign in again afterwards.
    Restore(RestoreArgs),
    /// Move a whole installation to another, empty database (e.g. SQLite to
    /// PostgreSQL) and verify the copy by record counts and a content hash.
    MigrateData(MigrateDataArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ServeCommand {
    #[command(flatten)]
    pub args: ServeArgs,
    /// FOR TESTS ONLY: let pages of any origin call the API (CORS). The app
    /// needs no CORS and must never be served like this: `cargo xtask test`
    /// sets it for the browser tests of the sync engine, whose test page runs
    /// on the test runner's own origin.
    #[arg(long, hide = true)]
    pub allow_cors_for_tests: bool,
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
    /// With --demo: also a year of generated visits, activities and goals up to yesterday, unless the demo labs hold visits already.
    #[arg(long, env = "LABBLOGG_DEMO_YEAR")]
    pub demo_year: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Where the data lives: `sqlite://path/to/file.db` (created if missing).
    #[arg(long = "database-url", env = "LABBLOGG_DATABASE_URL", default_value = "sqlite://data/labblogg.db")]
    pub database_url: String,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from standard input with
    /// --password-stdin, else prompted for (never given as an argument).
    Add(UserAddArgs),
    /// List the accounts.
    List(DbOnly),
    /// Disable an account and sign out all its devices.
    Disable(UsernameArgs),
    /// Set a new password (read like `user add`) and sign out all the account's devices.
    ResetPassword(ResetPasswordArgs),
}

#[derive(Debug, Clone, Args)]
pub struct UserAddArgs {
    #[arg(long)]
    pub username: String,
    #[arg(long)]
    pub display_name: String,
    /// staff, coordinator, researcher or admin.
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// The labs (ids) the user works in, with --role staff or coordinator.
    #[arg(long = "lab", num_args = 1..)]
    pub labs: Vec<Uuid>,
    /// The meeting place staff land on after signing in.
    #[arg(long)]
    pub home_meeting_place: Option<Uuid>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Clone, Args)]
pub struct UsernameArgs {
    pub username: String,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ResetPasswordArgs {
    pub username: String,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DbOnly {
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Revoke a device token by its id (see `GET /api/v1/admin/users/{id}/devices`).
    Revoke(TokenRevokeArgs),
}

#[derive(Debug, Clone, Args)]
pub struct TokenRevokeArgs {
    pub token_id: Uuid,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Subcommand)]
pub enum LabCommand {
    /// Create a lab; prints its id.
    Add(LabAddArgs),
}

#[derive(Debug, Clone, Args)]
pub struct LabAddArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub city: String,
    /// The housing company running the lab.
    #[arg(long)]
    pub organisation: String,
    /// long_term_unemployment, school_results, public_services or crime (one or more).
    #[arg(long = "focus-area", num_args = 1.., required = true, value_parser = parse_focus_area)]
    pub focus_areas: Vec<FocusArea>,
    /// The lab's one specific question.
    #[arg(long)]
    pub question: String,
    #[arg(long, default_value = "")]
    pub description: String,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    /// The backup file to write; it must not exist.
    pub file: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// The backup file to restore from.
    pub file: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Clone, Args)]
pub struct MigrateDataArgs {
    /// The database to copy from, e.g. `sqlite://data/labblogg.db` (stop its server first).
    #[arg(long)]
    pub from: String,
    /// The empty database to copy to, e.g. `postgres://labblogg@db.example/labblogg`.
    #[arg(long)]
    pub to: String,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("unknown role {s:?} (staff, coordinator, researcher, admin)"))
}

fn parse_focus_area(s: &str) -> Result<FocusArea, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| {
        format!("unknown focus area {s:?} (long_term_unemployment, school_results, public_services, crime)")
    })
}
