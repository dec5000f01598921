//! The `labblogg` subcommands beside `serve`: accounts, device tokens, labs,
//! backup and restore. They open the database named by `--database-url` and
//! go through the `Store` trait and `accounts.rs`, like the admin API, and are
//! audited with the actor `cli`.
//!
//! Passwords never appear as arguments (they would land in the shell history
//! and the process list): they are read from standard input with
//! `--password-stdin`, or prompted for without echo on a terminal.

use crate::accounts::{self, AccountError, Actor};
use crate::config::{Command, DbArgs, LabCommand, TokenCommand, UserCommand};
use crate::db::{self, Store, StoreError};
use crate::routes::sync::now_ms;
use labblogg_shared::auth::CreateUserRequest;
use labblogg_shared::model::Lab;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Account(#[from] AccountError),
    #[error("in- eller utmatning misslyckades: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Usage(String),
}

async fn open_url(url: &str) -> Result<Arc<dyn Store>, CliError> {
    Ok(db::open(url).await?)
}

async fn open(db: &DbArgs) -> Result<Arc<dyn Store>, CliError> {
    open_url(&db.database_url).await
}

/// `labblogg migrate-data`: copy every row from one store to another, empty
/// one, then read both back and compare counts and the records' content hash.
async fn migrate_data(from_url: &str, to_url: &str, out: &mut dyn Write) -> Result<(), CliError> {
    let from = open_url(from_url).await?;
    if from.is_served()? {
        return Err(CliError::Usage("en server använder källdatabasen just nu: stoppa den först".into()));
    }
    let to = open_url(to_url).await?;
    let snapshot = from.export_all().await?;
    let source = Summary::of(&snapshot);
    writeln!(out, "Källa  {from_url}: {source}")?;
    to.import_all(snapshot).await?;
    let copied = Summary::of(&to.export_all().await?);
    writeln!(out, "Mål    {to_url}: {copied}")?;
    if copied != source {
        return Err(CliError::Usage(
            "kopian skiljer sig från källan (se ovan); töm måldatabasen och försök igen".into(),
        ));
    }
    writeln!(out, "Klart: lika många rader och samma innehållshash på båda sidor.")?;
    Ok(())
}

/// What `migrate-data` compares on both sides.
#[derive(PartialEq)]
struct Summary {
    records: usize,
    top_seq: u64,
    users: usize,
    tokens: usize,
    audit: usize,
    hash: String,
}

impl Summary {
    fn of(s: &db::Snapshot) -> Self {
        Summary {
            records: s.records.len(),
            top_seq: s.top_seq,
            users: s.users.len(),
            tokens: s.tokens.len(),
            audit: s.audit.len(),
            hash: s.records_hash(),
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} poster (sekvens {}), {} användare, {} token, {} loggrader, sha256 {}",
            self.records, self.top_seq, self.users, self.tokens, self.audit, self.hash
        )
    }
}

/// Read a password: the first line of `input` with `--password-stdin`, else a
/// prompt without echo (twice, to catch typos) when standard input is a terminal.
fn read_password(password_stdin: bool, input: &mut dyn BufRead) -> Result<String, CliError> {
    if password_stdin {
        let mut line = String::new();
        input.read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_owned());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "lösenordet läses från terminalen; i skript: ange --password-stdin och skicka det på standard in".into(),
        ));
    }
    let first = rpassword::prompt_password("Lösenord: ")?;
    let again = rpassword::prompt_password("Samma lösenord igen: ")?;
    if first != again {
        return Err(CliError::Usage("lösenorden är olika; inget ändrades".into()));
    }
    Ok(first)
}

async fn user_id_of(store: &dyn Store, username: &str) -> Result<uuid::Uuid, CliError> {
    Ok(crate::accounts::user_by_typed_name(store, username).await?.ok_or(AccountError::UnknownUser)?.id)
}

/// Run one subcommand (not `serve`), reading passwords from `input` and
/// writing what it did to `out`.
pub async fn run(command: Command, input: &mut dyn BufRead, out: &mut dyn Write) -> Result<(), CliError> {
    let actor = Actor::cli();
    match command {
        Command::Serve(_) => return Err(CliError::Usage("serve startas av huvudprogrammet".into())),
        Command::User(UserCommand::Add(a)) => {
            let store = open(&a.db).await?;
            let password = read_password(a.password_stdin, input)?;
            let req = CreateUserRequest {
                username: a.username,
                display_name: a.display_name,
                password,
                role: a.role,
                labs: a.labs,
                memberships: Vec::new(),
                home_meeting_place: a.home_meeting_place,
            };
            let user = accounts::create_user(store.as_ref(), &actor, req).await?;
            writeln!(out, "Skapade {} ({}), id {}", user.username, user.role.as_str(), user.id)?;
        }
        Command::User(UserCommand::List(a)) => {
            let store = open(&a.db).await?;
            writeln!(
                out,
                "{:<36}  {:<20}  {:<28}  {:<11}  {:<8}  labb",
                "id", "användarnamn", "namn", "roll", "status"
            )?;
            for u in store.users().await? {
                let labs: Vec<String> =
                    u.memberships.iter().map(|m| format!("{}:{}", m.lab_id, m.role.as_str())).collect();
                writeln!(
                    out,
                    "{:<36}  {:<20}  {:<28}  {:<11}  {:<8}  {}",
                    u.id,
                    u.username,
                    u.display_name,
                    u.role.as_str(),
                    if u.disabled { "avstängd" } else { "aktiv" },
                    labs.join(" ")
                )?;
            }
        }
        Command::User(UserCommand::Disable(a)) => {
            let store = open(&a.db).await?;
            let id = user_id_of(store.as_ref(), &a.username).await?;
            accounts::disable_user(store.as_ref(), &actor, id, None).await?;
            writeln!(out, "Stängde av {} och loggade ut alla dess enheter", a.username)?;
        }
        Command::User(UserCommand::ResetPassword(a)) => {
            let store = open(&a.db).await?;
            let id = user_id_of(store.as_ref(), &a.username).await?;
            let password = read_password(a.password_stdin, input)?;
            accounts::reset_password(store.as_ref(), &actor, id, password).await?;
            writeln!(out, "Bytte lösenord för {} och loggade ut alla dess enheter", a.username)?;
        }
        Command::Token(TokenCommand::Revoke(a)) => {
            let store = open(&a.db).await?;
            if !accounts::revoke_token(store.as_ref(), &actor, a.token_id).await? {
                return Err(CliError::Usage(format!("ingen giltig token med id {}", a.token_id)));
            }
            writeln!(out, "Återkallade token {}", a.token_id)?;
        }
        Command::Lab(LabCommand::Add(a)) => {
            let store = open(&a.db).await?;
            let lab = Lab {
                name: a.name,
                city: a.city,
                organisation: a.organisation,
                focus_areas: a.focus_areas,
                question: a.question,
                description: a.description,
            };
            let id = accounts::create_lab(store.as_ref(), &actor, lab, now_ms()).await?;
            writeln!(out, "{id}")?;
        }
        Command::Backup(a) => {
            let store = open(&a.db).await?;
            store.backup_to(a.file.clone()).await?;
            writeln!(out, "Säkerhetskopierade till {}", a.file.display())?;
        }
        Command::MigrateData(a) => migrate_data(&a.from, &a.to, out).await?,
        Command::Restore(a) => {
            let store = open(&a.db).await?;
            if store.is_served()? {
                return Err(CliError::Usage(
                    "en server använder databasen just nu: stoppa den först, återställ sedan".into(),
                ));
            }
            store.restore_from(a.file.clone(), actor.name.clone()).await?;
            writeln!(
                out,
                "Återställde från {}. Alla enheter måste logga in igen; ändringar efter säkerhetskopian finns bara kvar på enheterna.",
                a.file.display()
            )?;
        }
    }
    Ok(())
}
