//! `rollcall templates rebuild`: embeds every stored enrolment photo again with the current pipeline
//! and replaces its template. For after a change of how templates are made (the enrolment scales,
//! say): the photos are kept, so nobody has to be photographed again.

use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rollcall_checkin::enrolment;
use rollcall_server::Config;
use rollcall_vision::{decode_image, Pipeline, Purpose};

#[derive(Debug, clap::Subcommand)]
pub enum TemplatesCommand {
    /// Re-embed every stored photo and replace its template (servers on PostgreSQL reload by
    /// themselves; restart a server on SQLite afterwards).
    Rebuild {
        /// Configuration file (default: config/rollcall.toml when it exists).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

pub fn run(cmd: TemplatesCommand) -> anyhow::Result<()> {
    let TemplatesCommand::Rebuild { config } = cmd;
    let config = Config::load(config.as_deref())?;
    let mut pipeline = Pipeline::load(&config.pipeline())?;
    let model_id = config.pipeline().model_id();
    let limits = config.decode_limits_for(Purpose::Enrolment);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let store = config
            .open_store()
            .await
            .context("opening the database with its data key")?;
        let photos = store.photo_ids().await?;
        let bar = ProgressBar::new(photos.len() as u64).with_style(
            ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} photos")
                .expect("valid template"),
        );
        let (mut rebuilt, mut kept) = (0usize, Vec::new());
        for (photo_id, delegate_id) in photos {
            bar.inc(1);
            let Some(bytes) = store.photo_image(photo_id).await? else {
                continue; // erased meanwhile
            };
            // The photo passed the enrolment gate when it was taken: its main face is the gate's.
            // The same limits the server applied when it accepted the photo.
            let face = decode_image(&bytes, &limits)
                .and_then(|img| pipeline.analyze_for(&img, Purpose::Enrolment))
                .map(|faces| enrolment::main_face(faces, &config.enrolment));
            match face {
                Ok(Some(face)) => {
                    store
                        .set_template(photo_id, delegate_id, &model_id, &face.embedding)
                        .await?;
                    rebuilt += 1;
                }
                Ok(None) => kept.push(format!("photo {photo_id}: no face found now")),
                Err(e) => kept.push(format!("photo {photo_id}: {e}")),
            }
        }
        bar.finish_and_clear();
        store.close().await;
        // A photo that cannot be used now keeps its old template, which still counts if it is of the
        // current model; after a model change it does not, and that delegate needs a new photo.
        println!(
            "{rebuilt} templates rebuilt ({model_id}); {} photos could not be used and kept their \
             old template",
            kept.len()
        );
        for line in &kept {
            println!("  {line}");
        }
        anyhow::Ok(())
    })
}
