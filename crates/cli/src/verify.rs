//! `rollcall verify FILE --keys KEYS`: checks a roll call (JSON or CSV, as the server served it)
//! offline against the deployment's public keys, and says what it attests.

use std::path::PathBuf;

use anyhow::Context;
use rollcall_record::{verify, PublicKeys};

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// A roll call file: `roll-call-N.json` or `roll-call-N.csv`.
    pub file: PathBuf,
    /// The public keys: the saved answer of `GET /api/v1/keys`, or one base64 public key.
    #[arg(long)]
    pub keys: PathBuf,
}

pub fn run(args: &VerifyArgs) -> anyhow::Result<()> {
    let keys = std::fs::read_to_string(&args.keys)
        .with_context(|| format!("reading {}", args.keys.display()))?;
    let keys = PublicKeys::parse(&keys).with_context(|| args.keys.display().to_string())?;
    let file =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    match verify(&file, &keys) {
        Ok(v) => {
            let rc = &v.roll_call;
            let taken = chrono::DateTime::from_timestamp_millis(rc.taken_at)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default();
            let q = &rc.quorum;
            println!(
                "VALID roll call {} ({}) signed by key {}\n\
                 sitting {} \"{}\", taken {taken} by {}\n\
                 present {} of {} eligible; quorum ({} {}/{}) needs {}: {}\n\
                 audit chain head {}:{} (check the database still holds it: \
                 rollcall audit verify --head {}:{})",
                rc.id,
                v.form,
                v.key_id,
                rc.sitting_id,
                rc.sitting_name,
                rc.taken_by,
                rc.present,
                rc.eligible,
                q.rule.as_str().replace('_', " "),
                q.numerator,
                q.denominator,
                rc.required,
                if rc.quorum_reached {
                    "REACHED"
                } else {
                    "NOT reached"
                },
                rc.audit_head.seq,
                rc.audit_head.hash,
                rc.audit_head.seq,
                rc.audit_head.hash,
            );
            Ok(())
        }
        Err(e) => {
            println!("INVALID {}: {e}", args.file.display());
            std::process::exit(1);
        }
    }
}
