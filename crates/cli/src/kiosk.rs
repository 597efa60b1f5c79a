use std::path::PathBuf;

use anyhow::{bail, Context};
use rollcall_kiosk::KioskConfig;

#[derive(Debug, clap::Args)]
pub struct KioskArgs {
    /// Server base URL.
    #[arg(long, env = "ROLLCALL_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// A kiosk token.
    #[arg(long, env = "ROLLCALL_TOKEN", hide_env_values = true)]
    token: String,
    /// A folder of images replayed in name order (a camera source is not built yet).
    #[arg(long)]
    source: String,
    /// Frames per second taken and sent at most.
    #[arg(long, default_value_t = 5.0)]
    fps: f64,
    /// Where undelivered frames wait (kept across restarts).
    #[arg(long, default_value = "data/kiosk-queue")]
    queue: PathBuf,
    /// Most frames kept waiting; beyond it the oldest are dropped.
    #[arg(long, default_value_t = 2000)]
    max_queue: usize,
    /// Exit after the last source frame even if some are still queued.
    #[arg(long)]
    no_wait: bool,
    /// This kiosk's name, part of every frame id.
    #[arg(long, default_value = "kiosk")]
    name: String,
}

pub fn run(args: KioskArgs) -> anyhow::Result<()> {
    if args.source.starts_with("camera") {
        bail!("camera capture is not built yet; replay a folder of frames with --source DIR");
    }
    let cfg = KioskConfig {
        server: args.server,
        token: args.token,
        source: PathBuf::from(&args.source),
        fps: args.fps,
        queue_dir: args.queue,
        max_queue: args.max_queue,
        max_width: 640,
        no_wait: args.no_wait,
        name: args.name,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = rt
        .block_on(rollcall_kiosk::run(&cfg, |line| println!("{line}")))
        .context("kiosk")?;
    eprintln!(
        "{} frames captured, {} delivered, {} dropped, {} left in the queue; checked in: {}",
        report.captured,
        report.delivered,
        report.dropped,
        report.left_in_queue,
        if report.checked_in.is_empty() {
            "nobody".to_string()
        } else {
            report.checked_in.join(", ")
        }
    );
    Ok(())
}
