use clap::Parser;
use labblogg_server::config::{Cli, Command};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(EnvFilter::try_from_env("LABBLOGG_LOG").unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    match Cli::parse().command {
        Command::Serve(serve) => labblogg_server::serve_until_signal(serve.args, serve.allow_cors_for_tests).await,
        command => {
            let mut input = std::io::stdin().lock();
            let mut out = std::io::stdout().lock();
            Ok(labblogg_server::cli::run(command, &mut input, &mut out).await?)
        }
    }
}
