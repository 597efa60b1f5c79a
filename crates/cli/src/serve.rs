use std::path::PathBuf;

use anyhow::Context;
use rollcall_api::{KioskDirection, Role};
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
        /// The token stops working after this many days (default: until revoked).
        #[arg(long)]
        expires_in_days: Option<u32>,
        /// A kiosk's door: `entrance` (default) checks delegates in and back in, `exit` marks
        /// them out of the hall.
        #[arg(long)]
        direction: Option<String>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// List every token: id, role, name, state, created, last used, expiry (never a secret).
    List {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Revoke a token at once; open event streams with it end.
    Revoke {
        id: i64,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

async fn open_store(config: Option<&std::path::Path>) -> anyhow::Result<Store> {
    let config = Config::load(config)?;
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    Ok(Store::connect(&config.database_url()).await?)
}

fn show_ms(ms: Option<i64>) -> String {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map_or("-".into(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
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
    match cmd {
        TokenCommand::Create {
            role,
            name,
            expires_in_days,
            direction,
            config,
        } => {
            let role = Role::parse(&role).with_context(|| {
                format!("unknown role {role:?}: use admin, staff, kiosk or presidium")
            })?;
            let direction = direction
                .map(|d| {
                    KioskDirection::parse(&d)
                        .with_context(|| format!("unknown direction {d:?}: use entrance or exit"))
                })
                .transpose()?;
            if direction.is_some() && role != Role::Kiosk {
                anyhow::bail!("--direction is for kiosk tokens only");
            }
            if name.trim().is_empty() {
                anyhow::bail!("--name must not be empty");
            }
            let expires_at = expires_in_days
                .map(|d| rollcall_store::now_ms() + i64::from(d.max(1)) * 86_400_000);
            runtime()?.block_on(async move {
                let store = open_store(config.as_deref()).await?;
                let token = new_token();
                let record = store
                    .create_token(
                        name.trim(),
                        role.as_str(),
                        &hash_token(&token),
                        expires_at,
                        direction,
                    )
                    .await?;
                store
                    .audit(
                        "cli",
                        "token.create",
                        &format!("token:{}", record.id),
                        &match record.direction {
                            Some(d) => format!("role:{} direction:{}", role.as_str(), d.as_str()),
                            None => format!("role:{}", role.as_str()),
                        },
                    )
                    .await?;
                println!("{token}");
                Ok(())
            })
        }
        TokenCommand::List { config } => runtime()?.block_on(async move {
            let store = open_store(config.as_deref()).await?;
            let now = rollcall_store::now_ms();
            println!("id\trole\tstate\tcreated\tlast used\texpires\tname");
            for t in store.tokens().await? {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else if t.is_active(now) {
                    "active"
                } else {
                    "expired"
                };
                println!(
                    "{}\t{}\t{state}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.role,
                    show_ms(Some(t.created_at)),
                    show_ms(t.last_used_at),
                    show_ms(t.expires_at),
                    t.name
                );
            }
            Ok(())
        }),
        TokenCommand::Revoke { id, config } => runtime()?.block_on(async move {
            let store = open_store(config.as_deref()).await?;
            if store.token(id).await?.is_none() {
                anyhow::bail!("no token with id {id} (`rollcall token list` shows them)");
            }
            if store.revoke_token(id).await? {
                store
                    .audit("cli", "token.revoke", &format!("token:{id}"), "")
                    .await?;
                println!("token {id} revoked");
            } else {
                println!("token {id} was already revoked");
            }
            Ok(())
        }),
    }
}
