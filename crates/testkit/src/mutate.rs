//! Mutations of valid files for the bounded fuzz tests (proptest strategies): bytes flipped, set,
//! inserted and removed, header-sized words set to extreme values, files cut short. Half of the
//! positions fall in a file's first 64 bytes, where its headers are; the others are fractions of
//! its length, so one mutation applies to any file.

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};

/// Where in a file a mutation applies.
#[derive(Debug, Clone, Copy)]
pub enum At {
    /// A byte of the first 64 (or the last byte of a shorter file).
    Head(u8),
    /// A fraction of the file's length (of `u32::MAX + 1`).
    Anywhere(u32),
}

/// One change to a file.
#[derive(Debug, Clone)]
pub enum Mutation {
    Flip {
        at: At,
        bit: u8,
    },
    Set {
        at: At,
        byte: u8,
    },
    Insert {
        at: At,
        bytes: Vec<u8>,
    },
    Remove {
        at: At,
        len: u8,
    },
    /// A 16- or 32-bit word (widths, lengths, offsets), in either byte order, set to an extreme
    /// value.
    Word {
        at: At,
        value: u32,
        wide: bool,
        little: bool,
    },
    Truncate {
        at: u32,
    },
}

/// The index `at` names in a file of `len` bytes (0 for an empty file; < len otherwise).
fn position(at: At, len: usize) -> usize {
    match at {
        _ if len == 0 => 0,
        At::Head(i) => usize::from(i).min(len - 1),
        At::Anywhere(f) => (u64::from(f) * len as u64 / (u64::from(u32::MAX) + 1)) as usize,
    }
}

fn at() -> impl Strategy<Value = At> {
    prop_oneof![
        (0u8..64).prop_map(At::Head),
        (0u32..=u32::MAX).prop_map(At::Anywhere)
    ]
}

/// One mutation of any kind.
pub fn mutation() -> impl Strategy<Value = Mutation> {
    let extreme = prop_oneof![
        Just(0u32),
        Just(1),
        Just(0x7FFF),
        Just(0xFFFF),
        Just(0x7FFF_FFFF),
        Just(0x8000_0000),
        Just(u32::MAX),
        any::<u32>(),
    ];
    prop_oneof![
        (at(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        (at(), any::<u8>()).prop_map(|(at, byte)| Mutation::Set { at, byte }),
        (at(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (at(), 1u8..32).prop_map(|(at, len)| Mutation::Remove { at, len }),
        (at(), extreme, any::<bool>(), any::<bool>()).prop_map(|(at, value, wide, little)| {
            Mutation::Word {
                at,
                value,
                wide,
                little,
            }
        }),
        (0u32..=u32::MAX).prop_map(|at| Mutation::Truncate { at }),
    ]
}

/// `bytes` with `mutations` applied in turn.
pub fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len();
        match m {
            Mutation::Flip { at, bit } => {
                if len > 0 {
                    bytes[position(*at, len)] ^= 1 << bit;
                }
            }
            Mutation::Set { at, byte } => {
                if len > 0 {
                    bytes[position(*at, len)] = *byte;
                }
            }
            Mutation::Insert { at, bytes: new } => {
                let p = position(*at, len + 1);
                bytes.splice(p..p, new.iter().copied());
            }
            Mutation::Remove { at, len: n } => {
                let p = position(*at, len);
                let end = (p + usize::from(*n)).min(len);
                bytes.drain(p..end);
            }
            Mutation::Word {
                at,
                value,
                wide,
                little,
            } => {
                let p = position(*at, len);
                let word: Vec<u8> = match (*wide, *little) {
                    (true, true) => value.to_le_bytes().to_vec(),
                    (true, false) => value.to_be_bytes().to_vec(),
                    (false, true) => (*value as u16).to_le_bytes().to_vec(),
                    (false, false) => (*value as u16).to_be_bytes().to_vec(),
                };
                for (i, b) in word.into_iter().enumerate() {
                    if let Some(slot) = bytes.get_mut(p + i) {
                        *slot = b;
                    }
                }
            }
            Mutation::Truncate { at } => bytes.truncate(position(At::Anywhere(*at), len)),
        }
    }
    bytes
}

/// Mutations to apply together to one file.
pub fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 1..6)
}

/// How many cases a fuzz test runs: `ROLLCALL_FUZZ_CASES`, or `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("ROLLCALL_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A runner of `cases` cases whose failures are kept in `regressions` (a path) and replayed
/// first by every later run.
pub fn runner(cases: u32, regressions: &'static str) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(regressions))),
        ..Config::default()
    })
}
