//! `rollcall demo`: the whole job on the embedded default, with no camera and no configuration. A
//! server on 127.0.0.1 with a fresh SQLite database, delegates enrolled from the fixture photos, a
//! sitting with a quorum rule, a kiosk replaying a composed walk-by (an enrolled delegate, an unknown
//! visitor, an empty hall), a manual check-in at the desk, and the attendance after each step.

use std::path::Path;

use anyhow::Context;
use image::{imageops, Rgb, RgbImage};
use rollcall_kiosk::KioskConfig;
use rollcall_server::{hash_token, new_token, AppState, Config};
use serde_json::{json, Value};

fn fixture(name: &str) -> anyhow::Result<RgbImage> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/faces")
        .join(name);
    Ok(image::open(&path)
        .with_context(|| format!("reading {}", path.display()))?
        .to_rgb8())
}

/// Frames of a walk-by: an empty hall, a delegate approaching (growing, moving), an unknown visitor.
fn compose_walk_by(dir: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let hall = RgbImage::from_pixel(640, 480, Rgb([104, 110, 118]));
    let mut frames = vec![hall.clone(), hall.clone()];
    for (name, steps) in [
        (
            "obama.jpg",
            [(260u32, 420i64), (320, 300), (380, 180), (440, 80)],
        ),
        ("biden.jpg", [(300, 60), (360, 160), (420, 260), (460, 340)]),
    ] {
        let person = fixture(name)?;
        for (h, x) in steps {
            let w = person.width() * h / person.height();
            let small = imageops::resize(&person, w, h, imageops::FilterType::Triangle);
            let mut f = hall.clone();
            imageops::overlay(&mut f, &small, x, 480 - h as i64);
            frames.push(f);
        }
        frames.push(hall.clone());
    }
    for (i, f) in frames.iter().enumerate() {
        f.save(dir.join(format!("frame_{i:03}.jpg")))?;
    }
    Ok(frames.len())
}

fn print_attendance(a: &Value) {
    println!(
        "  attendance: {} of {} eligible present; quorum needs {}: {}",
        a["present"],
        a["eligible"],
        a["required"],
        if a["quorum_reached"] == true {
            "QUORUM REACHED"
        } else {
            "no quorum yet"
        }
    );
    for d in a["by_delegation"].as_array().into_iter().flatten() {
        println!(
            "    {:<8} {}/{}",
            d["delegation"].as_str().unwrap_or(""),
            d["present"],
            d["eligible"]
        );
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
    let api = format!("http://{addr}/api/v1");
    let mut tokens = std::collections::HashMap::new();
    for role in ["admin", "staff", "kiosk", "presidium"] {
        let t = new_token();
        state
            .store
            .create_token(&format!("demo {role}"), role, &hash_token(&t))
            .await?;
        tokens.insert(role, t);
    }
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, path: String, role: &'static str| {
        http.request(method, format!("{api}{path}"))
            .bearer_auth(&tokens[role])
    };
    println!("   listening on http://{addr}");

    println!("2. Enrolling delegates (staff desk)...");
    for (ext, name, delegation, photo) in [
        ("N-001", "Barack Obama", "North", Some("obama.jpg")),
        ("N-002", "Ada Lovelace", "North", None),
        ("S-001", "Charles Babbage", "South", None),
        ("S-002", "Grace Hopper", "South", None),
    ] {
        let d: Value = call(reqwest::Method::POST, "/delegates".into(), "staff")
            .json(&json!({"external_id": ext, "full_name": name, "delegation": delegation}))
            .send()
            .await?
            .json()
            .await?;
        let id = d["id"].as_i64().context("delegate created")?;
        match photo {
            Some(file) => {
                let bytes = std::fs::read(
                    Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("../../fixtures/faces")
                        .join(file),
                )?;
                let r: Value = call(
                    reqwest::Method::POST,
                    format!("/delegates/{id}/photos"),
                    "staff",
                )
                .header("content-type", "image/jpeg")
                .body(bytes)
                .send()
                .await?
                .json()
                .await?;
                println!(
                    "   {name} ({delegation}): photo enrolled, eyes {:.0} px apart",
                    r["quality"]["inter_eye"].as_f64().unwrap_or(0.0)
                );
            }
            None => println!("   {name} ({delegation}): no photo (will use the desk)"),
        }
    }
    // The gate in action: the same face cannot be enrolled for somebody else.
    let other: Value = call(reqwest::Method::POST, "/delegates".into(), "staff")
        .json(
            &json!({"external_id": "X-999", "full_name": "Impostor Record", "delegation": "South"}),
        )
        .send()
        .await?
        .json()
        .await?;
    let refused: Value = call(
        reqwest::Method::POST,
        format!("/delegates/{}/photos", other["id"]),
        "staff",
    )
    .header("content-type", "image/jpeg")
    .body(std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/faces/obama2.jpg"),
    )?)
    .send()
    .await?
    .json()
    .await?;
    println!(
        "   a second record with Obama's face is refused: {} ({})",
        refused["error"]["code"], refused["error"]["detail"]["delegate"]["full_name"]
    );
    call(
        reqwest::Method::DELETE,
        format!("/delegates/{}", other["id"]),
        "admin",
    )
    .send()
    .await?;

    println!("3. Opening the sitting: quorum is at least half of the eligible delegates...");
    let s: Value = call(reqwest::Method::POST, "/sittings".into(), "admin")
        .json(&json!({"name": "Demo plenary", "quorum": {"numerator": 1, "denominator": 2, "rule": "at_least"}}))
        .send()
        .await?
        .json()
        .await?;
    let sitting = s["id"].as_i64().context("sitting created")?;
    call(
        reqwest::Method::POST,
        format!("/sittings/{sitting}/open"),
        "admin",
    )
    .send()
    .await?;
    let attendance = |_: ()| {
        call(
            reqwest::Method::GET,
            format!("/sittings/{sitting}/attendance"),
            "presidium",
        )
        .send()
    };
    print_attendance(&attendance(()).await?.json().await?);

    let frames = compose_walk_by(&tmp.path().join("walk-by"))?;
    println!("4. A kiosk replays a walk-by of {frames} frames (an empty hall, a delegate, an unknown visitor)...");
    let kiosk = KioskConfig {
        server: format!("http://{addr}"),
        token: tokens["kiosk"].clone(),
        source: rollcall_kiosk::SourceSpec::Folder(tmp.path().join("walk-by")),
        fps: 5.0,
        queue_dir: tmp.path().join("queue"),
        max_queue: 1000,
        max_width: 640,
        no_wait: false,
        name: "door-a".into(),
        skip_still: 4,
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
    print_attendance(&attendance(()).await?.json().await?);

    println!("5. Ada Lovelace shows her badge at the desk (manual check-in, audited)...");
    let ada = call(
        reqwest::Method::GET,
        "/delegates?q=lovelace".into(),
        "staff",
    )
    .send()
    .await?
    .json::<Value>()
    .await?;
    call(
        reqwest::Method::POST,
        format!("/sittings/{sitting}/checkins"),
        "staff",
    )
    .json(&json!({"delegate_id": ada[0]["id"], "reason": "badge checked at the desk"}))
    .send()
    .await?;
    print_attendance(&attendance(()).await?.json().await?);

    let base = format!("http://{addr}");
    println!("6. Web pages (each asks for its token once per browser tab):");
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
    println!("   live events (SSE)    {api}/sittings/{sitting}/events");
    if args.keep {
        println!("   Serving until Ctrl-C.");
        tokio::signal::ctrl_c().await?;
    } else {
        println!("   The demo server stops now; `make demo-live` (rollcall demo --keep) keeps it up to open them.");
    }
    println!("Shutting down; nothing is left running.");
    let _ = stop_tx.send(());
    server.await??;
    state.store.close().await;
    Ok(())
}
