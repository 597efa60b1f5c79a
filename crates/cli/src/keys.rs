//! `rollcall keys rotate | retire`: the data key that seals photos and templates. A rotation puts
//! a fresh key first in the key file and seals every photo and template again under it; the old
//! keys stay in the file, retired, so that a server still running with them cannot write what
//! nobody can open. Once every server has restarted, `retire` drops them.

use std::path::PathBuf;

use anyhow::Context;
use rollcall_server::Config;
use rollcall_store::{DataKeys, Store};

#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// A fresh data key: every photo and template is sealed again under it.
    Rotate {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Remove the retired keys from the key file, once nothing is sealed with them.
    Retire {
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

fn show(counts: &[(String, i64, i64)]) -> String {
    counts
        .iter()
        .map(|(k, p, t)| format!("key {k}: {p} photos, {t} templates"))
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn run(cmd: KeysCommand) -> anyhow::Result<()> {
    let (config, rotate) = match cmd {
        KeysCommand::Rotate { config } => (config, true),
        KeysCommand::Retire { config } => (config, false),
    };
    let config = Config::load(config.as_deref())?;
    let path = config.data_key_path();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let mut keys = DataKeys::load_or_create(&path)?;
        if rotate {
            keys = keys.rotated();
            // The file first: should the sealing stop half-way, the new key is already kept.
            keys.save(&path)?;
        }
        // Opening with the keys seals everything not under the current key.
        let store = Store::connect(&config.database_url())
            .await?
            .with_keys(keys.clone())
            .await
            .context("sealing under the current key")?;
        let counts = store.sealed_counts().await?;
        let stale = counts.iter().any(|(k, _, _)| k != keys.current());
        if rotate {
            println!(
                "data key rotated: new key {} in {}; {}. The old keys stay in the file until \
                 every server has restarted; then run `rollcall keys retire`.",
                keys.current(),
                path.display(),
                show(&counts)
            );
        } else if stale {
            anyhow::bail!("rows are still sealed with older keys ({})", show(&counts));
        } else {
            keys.current_only().save(&path)?;
            println!(
                "retired keys removed; {} holds key {} only; {}",
                path.display(),
                keys.current(),
                show(&counts)
            );
        }
        store.close().await;
        Ok(())
    })
}
