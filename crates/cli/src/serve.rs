use std::path::PathBuf;

use anyhow::Context;
use rollcall_api::Role;
use rollcall_server::{hash_token, new_token, AppState, Config};
use rollcall_store::Store;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Configuration file (default: config/rollcall.toml when it exists).
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed once, alone on the last line of stdout, and stored hashed.
    Create {
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

pub fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(args.config.as_deref())?;
    if config.tls_cert.is_some() != config.tls_key.is_some() {
        anyhow::bail!("TLS needs both tls_cert and tls_key (PEM files)");
    }
    if let (Some(cert), Some(key)) = (&config.tls_cert, &config.tls_key) {
        rollcall_server::tls::acceptor(cert, key)?;
    }
    runtime()?.block_on(async move {
        let listen = config.listen;
        let state = AppState::start(config).await?;
        if let Some(token) = state.bootstrap_admin_token().await? {
            eprintln!("No tokens yet: created an admin token. It is shown only this once:");
            println!("{token}");
        }
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("binding {listen}"))?;
        tracing::info!(address = %listener.local_addr()?, "rollcall listening");
        rollcall_server::serve(listener, state, shutdown_signal()).await?;
        Ok(())
    })
}

pub fn token(cmd: TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Create { role, name, config } = cmd;
    let role = Role::parse(&role)
        .with_context(|| format!("unknown role {role:?}: use admin, staff, kiosk or presidium"))?;
    if name.trim().is_empty() {
        anyhow::bail!("--name must not be empty");
    }
    let config = Config::load(config.as_deref())?;
    runtime()?.block_on(async move {
        if config.database_url.is_none() {
            std::fs::create_dir_all(&config.data_dir)?;
        }
        let store = Store::connect(&config.database_url()).await?;
        let token = new_token();
        store
            .create_token(name.trim(), role.as_str(), &hash_token(&token))
            .await?;
        store
            .audit(
                "cli",
                "token.create",
                &format!("role:{}", role.as_str()),
                "",
            )
            .await?;
        println!("{token}");
        Ok(())
    })
}
