//! The CSV form, for people and spreadsheets: the roll call's figures as `key,value` rows, a header
//! row, one row per present delegate, and a last row `signature,ed25519,KEY_ID,BASE64` whose
//! signature covers every byte before it. Cells that a spreadsheet would run as a formula are
//! prefixed with an apostrophe (as is a leading apostrophe, so that reading back is exact).

use chrono::{SecondsFormat, TimeZone, Utc};
use rollcall_api::{AuditHead, QuorumBasis, QuorumRule, QuorumSpec, RollCall, RollCallDelegate};

use crate::{PublicKeys, ServerKey, Verified, VerifyError, CSV_CONTEXT};

const HEADER: [&str; 6] = [
    "delegate_id",
    "external_id",
    "full_name",
    "delegation",
    "method",
    "checked_in_at",
];

fn cell(s: &str) -> String {
    if s.starts_with('\'') {
        format!("'{s}")
    } else {
        crate::defuse(s)
    }
}

fn uncell(s: &str) -> String {
    s.strip_prefix('\'').unwrap_or(s).to_string()
}

fn time(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_default()
}

fn body(rc: &RollCall) -> String {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let q = &rc.quorum;
    let rows: [(&str, String); 12] = [
        ("format", rc.format.clone()),
        ("roll_call", rc.id.to_string()),
        ("sitting_id", rc.sitting_id.to_string()),
        ("sitting", cell(&rc.sitting_name)),
        (
            "quorum",
            // `RULE N/D`, then the basis unless it is the default (documents from before sittings
            // had a basis keep their layout).
            match q.basis {
                QuorumBasis::CheckedIn => {
                    format!("{} {}/{}", q.rule.as_str(), q.numerator, q.denominator)
                }
                QuorumBasis::InHall => format!(
                    "{} {}/{} {}",
                    q.rule.as_str(),
                    q.numerator,
                    q.denominator,
                    QuorumBasis::InHall.as_str()
                ),
            },
        ),
        ("taken_at", time(rc.taken_at)),
        ("taken_by", rc.taken_by.clone()),
        ("eligible", rc.eligible.to_string()),
        ("present", rc.present.to_string()),
        ("required", rc.required.to_string()),
        ("quorum_reached", rc.quorum_reached.to_string()),
        (
            "audit_head",
            format!("{}:{}", rc.audit_head.seq, rc.audit_head.hash),
        ),
    ];
    // Writing to a Vec cannot fail.
    for (k, v) in rows {
        w.write_record([k, v.as_str()]).expect("in memory");
    }
    w.write_record(HEADER).expect("in memory");
    for d in &rc.delegates {
        w.write_record([
            d.delegate_id.to_string(),
            cell(&d.external_id),
            cell(&d.full_name),
            cell(&d.delegation),
            d.method.clone(),
            time(d.checked_in_at),
        ])
        .expect("in memory");
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("UTF-8 in, UTF-8 out")
}

/// The roll call as a signed CSV file.
pub fn sign_csv(roll_call: &RollCall, key: &ServerKey) -> String {
    let body = body(roll_call);
    let signature = key.sign(CSV_CONTEXT, body.as_bytes());
    format!("{body}signature,ed25519,{},{signature}\n", key.key_id())
}

fn malformed(what: impl Into<String>) -> VerifyError {
    VerifyError::Malformed(what.into())
}

pub(crate) fn verify(file: &[u8], keys: &PublicKeys) -> Result<Verified, VerifyError> {
    let text = std::str::from_utf8(file).map_err(|_| malformed("the file is not UTF-8"))?;
    let without_end = text
        .strip_suffix('\n')
        .ok_or_else(|| malformed("the file does not end with its signature line"))?;
    let start = without_end.rfind('\n').map_or(0, |i| i + 1);
    let (signed, last) = text.split_at(start);
    let fields: Vec<&str> = last.trim_end_matches('\n').split(',').collect();
    let [tag, algorithm, key_id, value] = fields[..] else {
        return Err(malformed(
            "the last line is not `signature,ALGORITHM,KEY_ID,VALUE`",
        ));
    };
    if tag != "signature" {
        return Err(malformed("the last line is not the signature"));
    }
    if algorithm != "ed25519" {
        return Err(VerifyError::Algorithm(algorithm.to_string()));
    }
    keys.check(key_id, CSV_CONTEXT, signed.as_bytes(), value)?;
    let roll_call = parse(signed)?;
    if body(&roll_call) != signed {
        return Err(malformed(
            "the signed rows are not laid out as the server writes them",
        ));
    }
    Ok(Verified {
        roll_call,
        key_id: key_id.to_string(),
        form: "csv",
    })
}

/// Reads the signed rows back into the roll call they were written from.
fn parse(signed: &str) -> Result<RollCall, VerifyError> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(signed.as_bytes());
    let records: Vec<csv::StringRecord> = r
        .records()
        .collect::<Result<_, _>>()
        .map_err(|e| malformed(e.to_string()))?;
    let header = records
        .iter()
        .position(|r| r.iter().eq(HEADER))
        .ok_or_else(|| malformed("no delegate header row"))?;
    let value = |key: &str| -> Result<&str, VerifyError> {
        records[..header]
            .iter()
            .find(|r| r.get(0) == Some(key))
            .and_then(|r| r.get(1))
            .ok_or_else(|| malformed(format!("no `{key}` row")))
    };
    fn num(s: &str) -> Result<i64, VerifyError> {
        s.parse()
            .map_err(|_| malformed(format!("{s:?} is not a number")))
    }
    let ms = |s: &str| -> Result<i64, VerifyError> {
        chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| t.timestamp_millis())
            .map_err(|_| malformed(format!("{s:?} is not a time")))
    };
    let quorum = value("quorum")?;
    // `RULE N/D [BASIS]`; without a basis, every delegate checked in counted.
    let mut parts = quorum.split(' ');
    let (rule, fraction) = parts
        .next()
        .zip(parts.next())
        .ok_or_else(|| malformed("quorum is not `RULE N/D BASIS`"))?;
    let basis = match parts.next() {
        None => QuorumBasis::CheckedIn,
        Some(b) => QuorumBasis::parse(b).ok_or_else(|| malformed("unknown quorum basis"))?,
    };
    if parts.next().is_some() {
        return Err(malformed("quorum is not `RULE N/D BASIS`"));
    }
    let (numerator, denominator) = fraction
        .split_once('/')
        .ok_or_else(|| malformed("quorum is not `RULE N/D`"))?;
    let (seq, hash) = value("audit_head")?
        .split_once(':')
        .ok_or_else(|| malformed("audit_head is not SEQ:HASH"))?;
    let delegates = records[header + 1..]
        .iter()
        .map(|r| {
            let f = |i: usize| r.get(i).ok_or_else(|| malformed("a short delegate row"));
            Ok(RollCallDelegate {
                delegate_id: num(f(0)?)?,
                external_id: uncell(f(1)?),
                full_name: uncell(f(2)?),
                delegation: uncell(f(3)?),
                method: f(4)?.to_string(),
                checked_in_at: ms(f(5)?)?,
            })
        })
        .collect::<Result<_, VerifyError>>()?;
    Ok(RollCall {
        format: value("format")?.to_string(),
        id: num(value("roll_call")?)?,
        sitting_id: num(value("sitting_id")?)?,
        sitting_name: uncell(value("sitting")?),
        quorum: QuorumSpec {
            numerator: num(numerator)?,
            denominator: num(denominator)?,
            rule: QuorumRule::parse(rule).ok_or_else(|| malformed("unknown quorum rule"))?,
            basis,
        },
        taken_at: ms(value("taken_at")?)?,
        taken_by: value("taken_by")?.to_string(),
        eligible: num(value("eligible")?)?,
        present: num(value("present")?)?,
        required: num(value("required")?)?,
        quorum_reached: value("quorum_reached")? == "true",
        audit_head: AuditHead {
            seq: num(seq)?,
            hash: hash.to_string(),
        },
        delegates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{assert_every_byte_change_refused, roll_call};

    #[test]
    fn the_csv_verifies_and_reads_back_as_the_same_roll_call() {
        let key = ServerKey::generate();
        let file = sign_csv(&roll_call(), &key);
        let v = crate::verify(file.as_bytes(), &PublicKeys::of(&key)).unwrap();
        assert_eq!((v.roll_call, v.form), (roll_call(), "csv"));
        assert!(
            file.contains("\"'=HYPERLINK(\"\"x\"\")\""),
            "a formula is defused: {file}"
        );
        assert!(file.contains("present,2\n") && file.contains("quorum,more_than 1/2 in_hall\n"));
    }

    #[test]
    fn the_default_basis_keeps_the_layout_of_documents_from_before_it() {
        // Roll calls taken before sittings had a basis say `RULE N/D`, and counted every delegate
        // checked in: the default is written the same way and reads back as it. A basis nobody
        // knows is refused.
        let key = ServerKey::generate();
        let mut rc = roll_call();
        rc.quorum.basis = QuorumBasis::CheckedIn;
        let file = sign_csv(&rc, &key);
        assert!(file.contains("quorum,more_than 1/2\n"), "{file}");
        let v = crate::verify(file.as_bytes(), &PublicKeys::of(&key)).unwrap();
        assert_eq!(v.roll_call, rc);

        let odd = body(&rc).replace("1/2\n", "1/2 seated\n");
        let signature = key.sign(CSV_CONTEXT, odd.as_bytes());
        let file = format!("{odd}signature,ed25519,{},{signature}\n", key.key_id());
        assert!(crate::verify(file.as_bytes(), &PublicKeys::of(&key)).is_err());
    }

    #[test]
    fn every_single_byte_change_is_refused() {
        let key = ServerKey::generate();
        let keys = PublicKeys::of(&key);
        let file = sign_csv(&roll_call(), &key).into_bytes();
        assert_every_byte_change_refused(&file, &keys);
        // Nor may rows be added after the signature, or the signature be moved.
        let mut appended = file.clone();
        appended.extend_from_slice(b"99,X,Ghost,North,manual,2026-12-02T00:00:00.000Z\n");
        assert!(crate::verify(&appended, &keys).is_err());
    }

    #[test]
    fn a_json_signature_does_not_sign_a_csv() {
        // The contexts differ, so the same key's signature over the same bytes in the other form
        // fails.
        let key = ServerKey::generate();
        let body = body(&roll_call());
        let wrong = key.sign(crate::JSON_CONTEXT, body.as_bytes());
        let file = format!("{body}signature,ed25519,{},{wrong}\n", key.key_id());
        assert!(matches!(
            crate::verify(file.as_bytes(), &PublicKeys::of(&key)),
            Err(VerifyError::BadSignature)
        ));
    }
}
