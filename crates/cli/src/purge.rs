//! `rollcall purge --biometrics --yes`: after the congress, every enrolment photo and template goes
//! (and the kiosks' stored answers, which name delegates), while delegates, sittings, attendance,
//! roll calls and the audit chain stay.

use std::path::PathBuf;

use anyhow::Context;
use rollcall_server::Config;
use rollcall_store::Store;

#[derive(Debug, clap::Args)]
pub struct PurgeArgs {
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Remove every photo and template (the only purge there is; say it to mean it).
    #[arg(long)]
    pub biometrics: bool,
    /// Do it: without this, nothing is removed.
    #[arg(long)]
    pub yes: bool,
}

pub fn run(args: &PurgeArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.biometrics,
        "say what to purge: --biometrics (every enrolment photo and template)"
    );
    let config = Config::load(args.config.as_deref())?;
    if !args.yes {
        println!(
            "This removes every enrolment photo and template in {} for good; delegates, \
             attendance, roll calls and the audit chain stay. Run again with --yes to do it.",
            rollcall_store::redact_url(&config.database_url())
        );
        std::process::exit(2);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let store = Store::connect(&config.database_url())
            .await
            .context("opening the database")?;
        let purged = store.purge_biometrics().await?;
        store
            .audit(
                "cli",
                "biometrics.purge",
                "all",
                &format!(
                    "photos:{} templates:{} kiosk_answers:{}",
                    purged.photos, purged.templates, purged.kiosk_answers
                ),
            )
            .await?;
        println!(
            "purged {} photos, {} templates and {} stored kiosk answers; servers on PostgreSQL \
             reload their (now empty) galleries by themselves, restart a server on SQLite",
            purged.photos, purged.templates, purged.kiosk_answers
        );
        store.close().await;
        Ok(())
    })
}
