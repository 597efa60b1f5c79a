//! The JSON form: `{"roll_call":<document>,"signature":<signature>}` and a newline, with the document
//! in serde_json's compact form. The signature covers the document's bytes exactly as they stand in
//! the file, and a verifier accepts only the exact envelope around them, so no byte of the file can
//! change unnoticed (not even whitespace).

use rollcall_api::{DocumentSignature, RollCall};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::{PublicKeys, ServerKey, Verified, VerifyError, JSON_CONTEXT};

fn envelope(document: &str, signature: &DocumentSignature) -> String {
    let signature = serde_json::to_string(signature).expect("a signature serialises");
    format!("{{\"roll_call\":{document},\"signature\":{signature}}}\n")
}

/// The roll call as a signed JSON file.
pub fn sign_json(roll_call: &RollCall, key: &ServerKey) -> String {
    let document = serde_json::to_string(roll_call).expect("a roll call serialises");
    let signature = DocumentSignature {
        algorithm: "ed25519".into(),
        key_id: key.key_id().to_string(),
        value: key.sign(JSON_CONTEXT, document.as_bytes()),
    };
    envelope(&document, &signature)
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    roll_call: &'a RawValue,
    signature: DocumentSignature,
}

pub(crate) fn verify(file: &[u8], keys: &PublicKeys) -> Result<Verified, VerifyError> {
    let text = std::str::from_utf8(file)
        .map_err(|_| VerifyError::Malformed("the file is not UTF-8".into()))?;
    let parsed: Envelope = serde_json::from_str(text)
        .map_err(|e| VerifyError::Malformed(format!("not a signed roll call: {e}")))?;
    let document = parsed.roll_call.get();
    if envelope(document, &parsed.signature) != text {
        return Err(VerifyError::Malformed(
            "the file is not laid out as the server writes it (it was edited)".into(),
        ));
    }
    if parsed.signature.algorithm != "ed25519" {
        return Err(VerifyError::Algorithm(parsed.signature.algorithm));
    }
    keys.check(
        &parsed.signature.key_id,
        JSON_CONTEXT,
        document.as_bytes(),
        &parsed.signature.value,
    )?;
    let roll_call: RollCall = serde_json::from_str(document)
        .map_err(|e| VerifyError::Malformed(format!("the signed document: {e}")))?;
    if roll_call.format != rollcall_api::ROLL_CALL_FORMAT {
        return Err(VerifyError::Malformed(format!(
            "format {:?}, expected {:?}",
            roll_call.format,
            rollcall_api::ROLL_CALL_FORMAT
        )));
    }
    Ok(Verified {
        roll_call,
        key_id: parsed.signature.key_id,
        form: "json",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{assert_every_byte_change_refused, roll_call};

    #[test]
    fn a_signed_roll_call_verifies_and_reads_back_whole() {
        let key = ServerKey::generate();
        let file = sign_json(&roll_call(), &key);
        let v = crate::verify(file.as_bytes(), &PublicKeys::of(&key)).unwrap();
        assert_eq!(
            (v.roll_call, v.key_id.as_str(), v.form),
            (roll_call(), key.key_id(), "json")
        );
        // Clients read the same file as the typed envelope.
        let typed: rollcall_api::SignedRollCall = serde_json::from_str(&file).unwrap();
        assert_eq!(typed.roll_call, roll_call());
    }

    #[test]
    fn every_single_byte_change_is_refused() {
        let key = ServerKey::generate();
        let keys = PublicKeys::of(&key);
        let file = sign_json(&roll_call(), &key).into_bytes();
        assert_every_byte_change_refused(&file, &keys);
    }

    #[test]
    fn another_key_or_a_re_signed_edit_is_refused() {
        let key = ServerKey::generate();
        let file = sign_json(&roll_call(), &key);
        let other = ServerKey::generate();
        assert!(matches!(
            crate::verify(file.as_bytes(), &PublicKeys::of(&other)),
            Err(VerifyError::UnknownKey(_))
        ));
        // An edit signed by a key the verifier does not trust proves nothing either.
        let mut forged = roll_call();
        forged.present = 3;
        let forged = sign_json(&forged, &other);
        assert!(crate::verify(forged.as_bytes(), &PublicKeys::of(&key)).is_err());
    }
}
