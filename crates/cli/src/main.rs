//! The `rollcall` binary: a thin layer of argument parsing over the library crates.

mod audit;
mod calibration_cmd;
mod client;
mod demo;
mod detect_cmd;
mod enrol;
mod eval;
mod eval_pad;
mod keys;
mod kiosk;
mod purge;
mod serve;
mod templates;
mod verify;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "rollcall",
    version,
    about = "Face-recognition attendance check-in for assemblies"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Measure open-set 1:N identification accuracy on a folder-per-identity dataset (PROTOCOL.md).
    Eval(eval::EvalArgs),
    /// Combine populations' calibrations; check a gallery or a folder of photos against one.
    #[command(subcommand)]
    Calibration(calibration_cmd::CalibrationCommand),
    /// Measure liveness (presentation-attack detection) on a labelled set (PAD-PROTOCOL.md).
    EvalPad(eval_pad::EvalPadArgs),
    /// Detect faces in image files and print boxes, landmarks and quality as JSON lines.
    Detect(detect_cmd::DetectArgs),
    /// Run the check-in server (HTTP API).
    Serve(serve::ServeArgs),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(serve::TokenCommand),
    /// Rebuild every template from the stored enrolment photos.
    #[command(subcommand)]
    Templates(templates::TemplatesCommand),
    /// Enrol delegates from a CSV and a folder of photos named by external_id, through a server's API.
    Enrol(enrol::EnrolArgs),
    /// Run a check-in kiosk: frames from a replay folder, queued on disk, delivered to the server.
    Kiosk(kiosk::KioskArgs),
    /// The one-command demo: server, enrolment, a kiosk replaying a walk-by, live quorum.
    Demo(demo::DemoArgs),
    /// Check the tamper-evident audit log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Check a signed roll call (JSON or CSV) offline with the server's public keys.
    Verify(verify::VerifyArgs),
    /// Rotate the data key that seals photos and templates, or retire the old ones.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Remove every enrolment photo and template after the congress (--biometrics --yes).
    Purge(purge::PurgeArgs),
}

fn main() {
    let cli = Cli::parse();
    // The demo narrates what happens itself (a suspected photo included); its server's warnings
    // would repeat that between the lines.
    let default_filter = match cli.command {
        Command::Demo(_) => "error",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ROLLCALL_LOG")
                .unwrap_or_else(|_| default_filter.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Eval(args) => eval::run(&args),
        Command::Calibration(cmd) => calibration_cmd::run(cmd),
        Command::EvalPad(args) => eval_pad::run(&args),
        Command::Detect(args) => detect_cmd::run(&args),
        Command::Serve(args) => serve::serve(&args),
        Command::Enrol(args) => enrol::run(&args),
        Command::Token(cmd) => serve::token(cmd),
        Command::Templates(cmd) => templates::run(cmd),
        Command::Kiosk(args) => kiosk::run(&args),
        Command::Demo(args) => demo::run(args),
        Command::Audit(cmd) => audit::run(cmd),
        Command::Verify(args) => verify::run(&args),
        Command::Purge(args) => purge::run(&args),
        Command::Keys(cmd) => keys::run(cmd),
    };
    if let Err(err) = result {
        eprintln!("rollcall: {err:#}");
        std::process::exit(1);
    }
}
