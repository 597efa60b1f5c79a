//! Webhook signatures: a receiver checks that a delivery comes from the server that shares its
//! secret and was not replayed from long ago.
//!
//! Headers on every delivery:
//! - `X-Rollcall-Timestamp`: Unix seconds when the attempt was sent;
//! - `X-Rollcall-Signature`: `sha256=` and the hex HMAC-SHA256, keyed with the shared secret, of
//!   `TIMESTAMP.BODY` (the timestamp's digits, a dot, the body's bytes);
//! - `X-Rollcall-Delivery`: the delivery's id, the same on every retry (receivers deduplicate on
//!   it);
//! - `X-Rollcall-Event`: `roll_call`.
//!
//! The body is the signed roll call JSON, so a receiver can also check the server's Ed25519
//! signature.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "x-rollcall-signature";
pub const TIMESTAMP_HEADER: &str = "x-rollcall-timestamp";
pub const DELIVERY_HEADER: &str = "x-rollcall-delivery";
pub const EVENT_HEADER: &str = "x-rollcall-event";

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `X-Rollcall-Signature` value for a body sent at `timestamp` (Unix seconds).
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

/// What a receiver does: true when `header` signs `body` at `timestamp` with `secret` (compared in
/// constant time).
pub fn check(secret: &[u8], timestamp: i64, body: &[u8], header: &str) -> bool {
    let Some(sig) = header
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
    else {
        return false;
    };
    mac(secret, timestamp, body).verify_slice(&sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_checks_only_with_its_secret_time_and_body() {
        let sig = signature(b"s3cret", 1_800_000_000, b"{\"a\":1}");
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        assert!(check(b"s3cret", 1_800_000_000, b"{\"a\":1}", &sig));
        assert!(!check(b"other", 1_800_000_000, b"{\"a\":1}", &sig));
        assert!(!check(b"s3cret", 1_800_000_001, b"{\"a\":1}", &sig));
        assert!(!check(b"s3cret", 1_800_000_000, b"{\"a\":2}", &sig));
        assert!(!check(b"s3cret", 1_800_000_000, b"{\"a\":1}", "sha256=zz"));
    }

    #[test]
    fn matches_what_a_receiver_computes_with_another_implementation() {
        // Python: hmac.new(b"Jefe", b'1800000000.{"a":1}', hashlib.sha256).hexdigest()
        assert_eq!(
            signature(b"Jefe", 1_800_000_000, b"{\"a\":1}"),
            "sha256=790332864bbc0226f3d3582d98518d658c3a8da49f773ba89f0cc125972f0326"
        );
    }
}
