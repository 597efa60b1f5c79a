use std::path::PathBuf;

use anyhow::{bail, Context};
use rollcall_kiosk::{KioskConfig, Lang, SourceSpec};

#[derive(Debug, clap::Args)]
pub struct KioskArgs {
    /// Server base URL.
    #[arg(long, env = "ROLLCALL_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// A kiosk token.
    #[arg(long, env = "ROLLCALL_TOKEN", hide_env_values = true)]
    token: String,
    /// `camera`, `camera:INDEX` or `camera:/dev/videoN` for a live camera; otherwise a folder of
    /// images replayed in name order.
    #[arg(long)]
    source: String,
    /// Frames per second taken and sent at most.
    #[arg(long, default_value_t = 5.0)]
    fps: f64,
    /// Camera resolution asked for (the closest the camera offers is used).
    #[arg(long, default_value_t = 1280)]
    camera_width: u32,
    #[arg(long, default_value_t = 720)]
    camera_height: u32,
    /// The camera's own frame rate asked for (the kiosk still sends at most --fps).
    #[arg(long, default_value_t = 30)]
    camera_fps: u32,
    /// Frames wider than this are downscaled before sending.
    #[arg(long, default_value_t = 640)]
    max_width: u32,
    /// Once the server saw an empty scene, send a frame only when this many cells of a 32x24
    /// thumbnail changed (0: send every frame).
    #[arg(long, default_value_t = 4)]
    skip_still: usize,
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
    /// The language it speaks to delegates in: `vi` or `en`.
    #[arg(long, env = "ROLLCALL_KIOSK_LANG", default_value = "en")]
    lang: String,
}

fn source(args: &KioskArgs) -> anyhow::Result<SourceSpec> {
    let camera = match args.source.as_str() {
        "camera" => Some("0"),
        s => s.strip_prefix("camera:"),
    };
    match camera {
        #[cfg(feature = "camera")]
        Some(device) => Ok(SourceSpec::Camera(rollcall_kiosk::camera::CameraSpec {
            device: device.to_string(),
            width: args.camera_width,
            height: args.camera_height,
            camera_fps: args.camera_fps,
        })),
        #[cfg(not(feature = "camera"))]
        Some(_) => bail!(
            "this rollcall was built without the `camera` feature; rebuild with it \
            (the default) or replay a folder with --source DIR"
        ),
        None => {
            let dir = PathBuf::from(&args.source);
            if !dir.is_dir() {
                bail!(
                    "--source {}: not a folder of frames (for a camera: --source camera or \
                        camera:INDEX)",
                    dir.display()
                );
            }
            Ok(SourceSpec::Folder(dir))
        }
    }
}

pub fn run(args: &KioskArgs) -> anyhow::Result<()> {
    let cfg = KioskConfig {
        server: args.server.clone(),
        token: args.token.clone(),
        source: source(args)?,
        fps: args.fps,
        queue_dir: args.queue.clone(),
        max_queue: args.max_queue,
        max_width: args.max_width,
        no_wait: args.no_wait,
        name: args.name.clone(),
        skip_still: args.skip_still,
        lang: Lang::from_tag(&args.lang)
            .with_context(|| format!("--lang {:?}: the kiosk speaks vi or en", args.lang))?,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = rt
        .block_on(async {
            tokio::select! {
                r = rollcall_kiosk::run(&cfg, |line| println!("{line}")) => r.map(Some),
                // A camera kiosk runs until stopped; the queue on disk keeps what was not delivered.
                _ = tokio::signal::ctrl_c() => Ok(None),
            }
        })
        .context("kiosk")?;
    let Some(report) = report else {
        eprintln!(
            "stopped; undelivered frames stay queued in {}",
            args.queue.display()
        );
        return Ok(());
    };
    eprintln!(
        "{} frames captured, {} delivered, {} not sent (empty scene), {} dropped, {} left in the \
            queue; checked in: {}",
        report.captured,
        report.delivered,
        report.skipped,
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
