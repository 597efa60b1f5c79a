//! `rollcall audit verify`: walks the audit hash chain in the database, read-only, and names every
//! entry that was changed, removed, moved or left without a hash.

use std::path::PathBuf;

use anyhow::Context;
use rollcall_server::Config;
use rollcall_store::Store;

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check the audit chain without writing to the database; names every broken entry and exits 1
    /// if there is one. With --head, also checks that the chain still contains a head exported
    /// earlier (a roll call's, a report's).
    Verify {
        #[arg(long)]
        config: Option<PathBuf>,
        /// An exported head, `SEQ:HASH`.
        #[arg(long)]
        head: Option<String>,
    },
}

pub fn run(cmd: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::Verify { config, head } = cmd;
    let config = Config::load(config.as_deref())?;
    let expected = head
        .map(|h| {
            let (seq, hash) = h
                .split_once(':')
                .context("--head must be SEQ:HASH, as exported")?;
            Ok::<_, anyhow::Error>((
                seq.parse::<i64>().context("SEQ must be a number")?,
                hash.to_string(),
            ))
        })
        .transpose()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        // Read-only: no migration, no sealing, nothing written, so what it reports is what is there.
        let store = Store::open_read_only(&config.database_url()).await?;
        let report = store.audit_report().await?;
        let mut problems = report.problems.len();
        for problem in &report.problems {
            println!("audit chain BROKEN at {problem}");
        }
        if let Some((seq, hash)) = expected {
            let found = store.audit_entry_hash(seq).await?;
            if found.as_deref() != Some(hash.as_str()) {
                println!(
                    "audit chain BROKEN: entry {seq} no longer has the exported hash {hash} \
                     (found {})",
                    found.as_deref().unwrap_or("no such entry")
                );
                problems += 1;
            }
        }
        if problems > 0 {
            println!("{problems} problem(s) in {} entries", report.entries);
            std::process::exit(1);
        }
        println!(
            "audit chain intact: {} entries, head {}:{}",
            report.entries, report.seq, report.hash
        );
        Ok(())
    })
}
