//! `rollcall demo`: the whole job on the embedded default, with no camera and no configuration. A
//! server on 127.0.0.1 with a fresh SQLite database, delegates enrolled from the fixture photos, a
//! sitting with a quorum rule, a kiosk replaying a composed walk-by (an enrolled delegate, an unknown
//! visitor, an empty hall), a manual check-in at the desk, and the attendance after each step.

use std::path::Path;

use anyhow::Context;
use image::{imageops, Rgb, RgbImage};
use rollcall_api::{
    Attendance, ManualCheckin, NewDelegate, NewSitting, QuorumBasis, QuorumRule, QuorumSpec,
};
use rollcall_kiosk::KioskConfig;
use rollcall_server::{hash_token, new_token, AppState, Config};

use crate::client::Api;

/// The demo's portraits, in the binary so that `rollcall demo` runs from any folder
/// (public domain; `fixtures/README.md`).
const PHOTOS: [(&str, &[u8]); 3] = [
    (
        "obama.jpg",
        include_bytes!("../../../fixtures/faces/obama.jpg"),
    ),
    (
        "obama2.jpg",
        include_bytes!("../../../fixtures/faces/obama2.jpg"),
    ),
    (
        "biden.jpg",
        include_bytes!("../../../fixtures/faces/biden.jpg"),
    ),
];

/// A printed photo held up to a camera (Minivision's Apache-2.0 sample; `fixtures/README.md`).
const PRINT_ATTACK: &[u8] = include_bytes!("../../../fixtures/liveness/print.jpg");

fn photo(name: &str) -> &'static [u8] {
    PHOTOS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, b)| *b)
        .expect("an embedded demo photo")
}

fn portrait(name: &str) -> anyhow::Result<RgbImage> {
    Ok(image::load_from_memory(photo(name))
        .with_context(|| format!("decoding {name}"))?
        .to_rgb8())
}

/// What a kiosk camera sees of a person standing at it: the portrait enlarged to fill the 640x480
/// frame, `zoom` times more as they step closer.
fn camera_view(person: &RgbImage, zoom: f32) -> RgbImage {
    let cover = (640.0 / person.width() as f32).max(480.0 / person.height() as f32) * zoom;
    let (w, h) = (
        (person.width() as f32 * cover).round() as u32,
        (person.height() as f32 * cover).round() as u32,
    );
    let big = imageops::resize(person, w, h, imageops::FilterType::Triangle);
    let y = ((h - 480) as f32 * 0.15) as u32;
    imageops::crop_imm(&big, (w - 640) / 2, y, 640, 480).to_image()
}

/// Frames of a walk-by: an empty hall, a delegate far away then stepping up to the kiosk, a printed
/// photo held up to the camera, an unknown visitor.
fn compose_walk_by(dir: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let hall = RgbImage::from_pixel(640, 480, Rgb([104, 110, 118]));
    let mut frames = vec![hall.clone(), hall.clone()];
    let obama = portrait("obama.jpg")?;
    // Far across the hall: too small to judge.
    let far = imageops::resize(
        &obama,
        obama.width() / 4,
        obama.height() / 4,
        imageops::FilterType::Triangle,
    );
    let mut f = hall.clone();
    imageops::overlay(&mut f, &far, 420, 480 - i64::from(far.height()));
    frames.push(f);
    frames.extend([1.0, 1.15, 1.3].map(|z| camera_view(&obama, z)));
    frames.push(hall.clone());
    // The sample is stored sideways with an EXIF rotation, as a phone saves it; a camera frame is
    // upright, so decode it the way the server decodes uploads.
    frames.push(
        rollcall_vision::decode_image(PRINT_ATTACK, &rollcall_vision::DecodeLimits::default())
            .context("decoding the print sample")?,
    );
    frames.push(hall.clone());
    let biden = portrait("biden.jpg")?;
    frames.extend([1.0, 1.15, 1.3].map(|z| camera_view(&biden, z)));
    frames.push(hall.clone());
    for (i, f) in frames.iter().enumerate() {
        f.save(dir.join(format!("frame_{i:03}.jpg")))?;
    }
    Ok(frames.len())
}

fn print_attendance(a: &Attendance) {
    println!(
        "  attendance: {} of {} eligible present; quorum needs {}: {}",
        a.present,
        a.eligible,
        a.required,
        if a.quorum_reached {
            "QUORUM REACHED"
        } else {
            "no quorum yet"
        }
    );
    for d in &a.by_delegation {
        println!("    {:<8} {}/{}", d.delegation, d.present, d.eligible);
    }
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Keep the server running after the walk-by, with the web pages open on this address, until
    /// Ctrl-C (the default port 0 picks a free one).
    #[arg(long)]
    keep: bool,
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: std::net::SocketAddr,
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(demo(args))
}

async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let config = Config {
        listen: "127.0.0.1:0".parse()?,
        data_dir: tmp.path().join("data"),
        ..Config::default()
    };
    println!("1. Starting the server (SQLite in a temporary folder, bundled models)...");
    let state = AppState::start(config).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(rollcall_server::serve(listener, state.clone(), async {
        let _ = stop_rx.await;
    }));
    let base = format!("http://{addr}");
    let mut tokens = std::collections::HashMap::new();
    for role in ["admin", "staff", "kiosk", "presidium"] {
        let t = new_token();
        state
            .store
            .create_token(&format!("demo {role}"), role, &hash_token(&t), None, None)
            .await?;
        tokens.insert(role, t);
    }
    let (admin, staff, presidium) = (
        Api::new(&base, &tokens["admin"]),
        Api::new(&base, &tokens["staff"]),
        Api::new(&base, &tokens["presidium"]),
    );
    println!("   listening on {base}");

    println!("2. Enrolling delegates (staff desk)...");
    for (ext, name, delegation, photo_file) in [
        ("N-001", "Barack Obama", "North", Some("obama.jpg")),
        ("N-002", "Ada Lovelace", "North", None),
        ("S-001", "Charles Babbage", "South", None),
        ("S-002", "Grace Hopper", "South", None),
    ] {
        let d = staff
            .create_delegate(&NewDelegate {
                external_id: ext.into(),
                full_name: name.into(),
                delegation: delegation.into(),
                eligible: true,
            })
            .await?;
        match photo_file {
            Some(file) => {
                let accepted = staff.add_photo(d.id, photo(file).to_vec()).await?;
                println!(
                    "   {name} ({delegation}): photo enrolled, eyes {:.0} px apart",
                    accepted.quality.inter_eye
                );
            }
            None => println!("   {name} ({delegation}): no photo (will use the desk)"),
        }
    }
    // The gate in action: the same face cannot be enrolled for somebody else.
    let other = staff
        .create_delegate(&NewDelegate {
            external_id: "X-999".into(),
            full_name: "Impostor Record".into(),
            delegation: "South".into(),
            eligible: true,
        })
        .await?;
    match staff
        .add_photo(other.id, photo("obama2.jpg").to_vec())
        .await
    {
        Ok(_) => anyhow::bail!("the enrolment gate let the same face through for a second record"),
        Err(crate::client::CallError::Refused { error, .. }) => println!(
            "   a second record with Obama's face is refused: {:?} ({})",
            error.code,
            error
                .detail
                .as_ref()
                .map(|d| d["delegate"]["full_name"].to_string())
                .unwrap_or_default()
        ),
        Err(e) => return Err(e.into()),
    }
    admin.erase_delegate(other.id).await?;

    println!("3. Opening the sitting: quorum is at least half of the eligible delegates...");
    let sitting = admin
        .create_sitting(&NewSitting {
            name: "Demo plenary".into(),
            quorum: QuorumSpec {
                numerator: 1,
                denominator: 2,
                rule: QuorumRule::AtLeast,
                basis: QuorumBasis::CheckedIn,
            },
        })
        .await?
        .id;
    admin.open_sitting(sitting).await?;
    print_attendance(&presidium.attendance(sitting).await?);

    let frames = compose_walk_by(&tmp.path().join("walk-by"))?;
    println!(
        "4. A kiosk replays a walk-by of {frames} frames (an empty hall, a delegate, a printed \
         photo held up, an unknown visitor)..."
    );
    let kiosk = KioskConfig {
        server: base.clone(),
        token: tokens["kiosk"].clone(),
        source: rollcall_kiosk::SourceSpec::Folder(tmp.path().join("walk-by")),
        fps: 5.0,
        queue_dir: tmp.path().join("queue"),
        max_queue: 1000,
        max_width: 640,
        no_wait: false,
        name: "door-a".into(),
        skip_still: 4,
        lang: rollcall_kiosk::Lang::EN,
    };
    let mut last = String::new();
    let report = rollcall_kiosk::run(&kiosk, |line| {
        if line != last {
            println!("   kiosk | {line}");
            last = line.to_string();
        }
    })
    .await?;
    println!(
        "   {} frames delivered, {} not sent (the empty hall again); checked in by the kiosk: {}",
        report.delivered,
        report.skipped,
        report.checked_in.join(", ")
    );
    print_attendance(&presidium.attendance(sitting).await?);

    println!("5. Ada Lovelace shows her badge at the desk (manual check-in, audited)...");
    let ada = staff.delegates("lovelace").await?;
    let ada = ada.first().context("Ada Lovelace is enrolled")?;
    staff
        .manual_checkin(
            sitting,
            &ManualCheckin {
                delegate_id: ada.id,
                reason: "badge checked at the desk".into(),
            },
        )
        .await?;
    print_attendance(&presidium.attendance(sitting).await?);

    println!("6. The presidium takes a roll call for a vote: frozen, signed, checked offline...");
    let doc = presidium.take_roll_call(sitting).await?;
    let keys = rollcall_record::PublicKeys::parse(&presidium.keys().await?)?;
    let checked = rollcall_record::verify(doc.as_bytes(), &keys)?;
    let rc = &checked.roll_call;
    println!(
        "   roll call {}: {} of {} eligible present ({}), quorum {}; signed by key {}, \
         audit head {}",
        rc.id,
        rc.present,
        rc.eligible,
        rc.delegates
            .iter()
            .map(|d| d.full_name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        if rc.quorum_reached {
            "REACHED"
        } else {
            "not reached"
        },
        checked.key_id,
        rc.audit_head.seq
    );
    let mut forged = doc.into_bytes();
    if let Some(i) = forged.windows(10).position(|w| w == b"\"present\":") {
        forged[i + 10] ^= 0x01;
    }
    println!(
        "   the same file with one byte changed: {}",
        match rollcall_record::verify(&forged, &keys) {
            Ok(_) => "VALID (this is a bug)".to_string(),
            Err(e) => format!("INVALID ({e})"),
        }
    );

    println!("7. Web pages (each asks for its token once per browser tab):");
    println!(
        "   presidium dashboard  {base}/       token {}",
        tokens["presidium"]
    );
    println!(
        "   enrolment desk       {base}/enrol  token {}",
        tokens["staff"]
    );
    println!(
        "   browser kiosk        {base}/kiosk  token {}",
        tokens["kiosk"]
    );
    println!("   live events (SSE)    {base}/api/v1/sittings/{sitting}/events");
    if args.keep {
        println!("   Serving until Ctrl-C.");
        tokio::signal::ctrl_c().await?;
    } else {
        println!(
            "   The demo server stops now; `make demo-live` (rollcall demo --keep) keeps it \
            up to open them."
        );
    }
    println!("Shutting down; nothing is left running.");
    let _ = stop_tx.send(());
    server.await??;
    state.store.close().await;
    Ok(())
}
