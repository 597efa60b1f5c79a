//! Check-ins -> quorum: how many present delegates a rule needs, in exact integer arithmetic, and
//! the attendance figures built from the recorded counts.

use rollcall_api::{
    Amendment, Attendance, CheckinRecord, DelegationCount, QuorumBasis, QuorumRule, QuorumSpec,
    Sitting,
};

/// The largest denominator a quorum rule may have: fractions of assemblies are halves, thirds,
/// two-thirds, three-quarters; a thousandth is already finer than any statute needs.
pub const MAX_DENOMINATOR: i64 = 1000;

/// Why a quorum rule is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidQuorum {
    #[error("the quorum's denominator must be 1 to {MAX_DENOMINATOR}, not {0}")]
    Denominator(i64),
    #[error(
        "the quorum's numerator must be 1 to the denominator ({denominator}), not {numerator}"
    )]
    Numerator { numerator: i64, denominator: i64 },
    #[error(
        "\"more than\" {numerator}/{denominator} of the eligible delegates can never be present; \
         use \"at least\" for unanimity"
    )]
    Unreachable { numerator: i64, denominator: i64 },
}

impl InvalidQuorum {
    pub fn code(&self) -> &'static str {
        match self {
            InvalidQuorum::Denominator(_) | InvalidQuorum::Numerator { .. } => "invalid_quorum",
            InvalidQuorum::Unreachable { .. } => "unreachable_quorum",
        }
    }
}

/// A rule the sitting can be created with: a fraction from 1/1000 to 1, and one that a full
/// attendance meets.
pub fn validate(spec: &QuorumSpec) -> Result<(), InvalidQuorum> {
    let (numerator, denominator) = (spec.numerator, spec.denominator);
    if !(1..=MAX_DENOMINATOR).contains(&denominator) {
        return Err(InvalidQuorum::Denominator(denominator));
    }
    if !(1..=denominator).contains(&numerator) {
        return Err(InvalidQuorum::Numerator {
            numerator,
            denominator,
        });
    }
    if spec.rule == QuorumRule::MoreThan && numerator == denominator {
        return Err(InvalidQuorum::Unreachable {
            numerator,
            denominator,
        });
    }
    Ok(())
}

/// Delegates needed for quorum, in exact integer arithmetic (128-bit, so no eligible count and no
/// stored fraction can overflow it). A quorum always needs at least one delegate present: with
/// nobody eligible it cannot be reached.
pub fn required(rule: QuorumRule, numerator: i64, denominator: i64, eligible: i64) -> i64 {
    let (n, d, e) = (
        i128::from(numerator.max(0)),
        i128::from(denominator.max(1)),
        i128::from(eligible.max(0)),
    );
    let product = e * n;
    let needed = match rule {
        QuorumRule::MoreThan => product / d + 1,
        QuorumRule::AtLeast => (product + d - 1) / d,
    };
    i64::try_from(needed.max(1)).unwrap_or(i64::MAX)
}

/// The delegates a quorum on `basis` counts, of those `checked_in` and those `in_hall` now.
pub fn counted(basis: QuorumBasis, checked_in: i64, in_hall: i64) -> i64 {
    match basis {
        QuorumBasis::CheckedIn => checked_in,
        QuorumBasis::InHall => in_hall,
    }
}

/// The attendance of `sitting` from its per-delegation counts, its check-ins and its amendments.
pub fn attendance(
    sitting: &Sitting,
    by_delegation: Vec<DelegationCount>,
    checkins: Vec<CheckinRecord>,
    amendments: Vec<Amendment>,
) -> Attendance {
    let eligible = by_delegation.iter().map(|d| d.eligible).sum();
    let checked_in = by_delegation.iter().map(|d| d.present).sum();
    let in_hall = by_delegation.iter().map(|d| d.in_hall).sum();
    let present = counted(sitting.quorum_basis, checked_in, in_hall);
    let required = required(
        sitting.quorum_rule,
        sitting.quorum_numerator,
        sitting.quorum_denominator,
        eligible,
    );
    Attendance {
        sitting_id: sitting.id,
        eligible,
        present,
        basis: sitting.quorum_basis,
        checked_in,
        in_hall,
        required,
        quorum_reached: present >= required,
        by_delegation,
        checkins,
        amendments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use QuorumRule::*;

    #[test]
    fn quorum_arithmetic_on_the_edges() {
        // Exactly half of 100: "more than half" needs 51, "at least half" needs 50.
        assert_eq!(required(MoreThan, 1, 2, 100), 51);
        assert_eq!(required(AtLeast, 1, 2, 100), 50);
        // Odd counts: half of 101 is 50.5.
        assert_eq!(required(MoreThan, 1, 2, 101), 51);
        assert_eq!(required(AtLeast, 1, 2, 101), 51);
        // Two thirds of 10 is 6.67.
        assert_eq!(required(AtLeast, 2, 3, 10), 7);
        assert_eq!(required(MoreThan, 2, 3, 9), 7);
        assert_eq!(required(AtLeast, 2, 3, 9), 6);
        // Nobody eligible: never reached.
        assert_eq!(required(MoreThan, 1, 2, 0), 1);
        assert_eq!(required(AtLeast, 1, 2, 0), 1);
        // Unanimity.
        assert_eq!(required(AtLeast, 1, 1, 7), 7);
        assert_eq!(required(MoreThan, 1, 1, 7), 8);
    }

    /// An open sitting counting more than half, on `basis`.
    fn plenary(quorum_basis: QuorumBasis) -> Sitting {
        Sitting {
            id: 3,
            name: "Plenary".into(),
            quorum_numerator: 1,
            quorum_denominator: 2,
            quorum_rule: MoreThan,
            status: rollcall_api::SittingStatus::Open,
            quorum_basis,
            opened_at: Some(1),
            closed_at: None,
        }
    }

    #[test]
    fn attendance_sums_the_delegations() {
        let sitting = plenary(QuorumBasis::CheckedIn);
        let count = |d: &str, eligible, present| DelegationCount {
            delegation: d.into(),
            eligible,
            present,
            in_hall: present,
        };
        let a = attendance(
            &sitting,
            vec![count("N", 3, 2), count("S", 2, 1)],
            vec![],
            vec![],
        );
        assert_eq!(
            (a.eligible, a.present, a.required, a.quorum_reached),
            (5, 3, 3, true)
        );
        let a = attendance(&sitting, vec![count("N", 4, 2)], vec![], vec![]);
        assert_eq!((a.required, a.quorum_reached), (3, false));
    }

    #[test]
    fn the_basis_says_which_count_meets_the_quorum() {
        // 10 eligible, 7 checked in, 4 of them still in the hall; more than half needs 6.
        let mut sitting = plenary(QuorumBasis::CheckedIn);
        let counts = || {
            vec![
                DelegationCount {
                    delegation: "N".into(),
                    eligible: 6,
                    present: 5,
                    in_hall: 3,
                },
                DelegationCount {
                    delegation: "S".into(),
                    eligible: 4,
                    present: 2,
                    in_hall: 1,
                },
            ]
        };
        let a = attendance(&sitting, counts(), vec![], vec![]);
        assert_eq!((a.checked_in, a.in_hall), (7, 4));
        assert_eq!((a.present, a.required, a.quorum_reached), (7, 6, true));
        assert_eq!(a.basis, QuorumBasis::CheckedIn);
        sitting.quorum_basis = QuorumBasis::InHall;
        let a = attendance(&sitting, counts(), vec![], vec![]);
        assert_eq!((a.checked_in, a.in_hall), (7, 4));
        assert_eq!((a.present, a.required, a.quorum_reached), (4, 6, false));
        assert_eq!(a.basis, QuorumBasis::InHall);
    }

    #[test]
    fn fractions_outside_zero_to_one_and_unreachable_rules_are_refused() {
        let spec = |numerator, denominator, rule| QuorumSpec {
            numerator,
            denominator,
            rule,
            basis: QuorumBasis::default(),
        };
        let code = |n, d, r| validate(&spec(n, d, r)).map_err(|e| e.code());
        assert_eq!(code(1, 2, MoreThan), Ok(()));
        assert_eq!(code(1, 1, AtLeast), Ok(()));
        assert_eq!(code(1000, 1000, AtLeast), Ok(()));
        assert_eq!(code(3, 2, AtLeast), Err("invalid_quorum"));
        assert_eq!(code(0, 2, AtLeast), Err("invalid_quorum"));
        assert_eq!(code(-1, 2, AtLeast), Err("invalid_quorum"));
        assert_eq!(code(1, 0, AtLeast), Err("invalid_quorum"));
        assert_eq!(code(1, 1001, AtLeast), Err("invalid_quorum"));
        assert_eq!(
            code(
                1_000_000_000_000_000_000,
                2_000_000_000_000_000_000,
                MoreThan
            ),
            Err("invalid_quorum")
        );
        // "More than all of them" can never be met.
        assert_eq!(code(1, 1, MoreThan), Err("unreachable_quorum"));
        assert_eq!(code(7, 7, MoreThan), Err("unreachable_quorum"));
    }

    #[test]
    fn fractions_stored_before_validation_do_not_overflow() {
        // 10^18 / 2*10^18 of 18 eligible: half of 18 is 9, more than half is 10.
        let (n, d) = (1_000_000_000_000_000_000, 2_000_000_000_000_000_000);
        assert_eq!(required(MoreThan, n, d, 18), 10);
        assert_eq!(required(AtLeast, n, d, 18), 9);
        assert_eq!(required(AtLeast, i64::MAX, i64::MAX, i64::MAX), i64::MAX);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn rule() -> impl Strategy<Value = QuorumRule> {
            prop_oneof![Just(MoreThan), Just(AtLeast)]
        }

        proptest! {
            /// `required` is the least number present that meets the rule, checked against the
            /// rule's definition as a comparison of cross products.
            #[test]
            fn required_is_the_least_count_that_meets_the_rule(
                denominator in 1i64..=MAX_DENOMINATOR,
                numerator_share in 0.0f64..=1.0,
                rule in rule(),
                eligible in 0i64..=2_000_000,
            ) {
                let numerator = ((numerator_share * denominator as f64).round() as i64)
                    .clamp(1, denominator);
                let meets = |present: i64| {
                    let (p, e) = (i128::from(present), i128::from(eligible));
                    let (n, d) = (i128::from(numerator), i128::from(denominator));
                    present >= 1 && match rule {
                        MoreThan => p * d > e * n,
                        AtLeast => p * d >= e * n,
                    }
                };
                let r = required(rule, numerator, denominator, eligible);
                let case = format!("{numerator}/{denominator} {rule:?} of {eligible}: {r}");
                prop_assert!(meets(r), "{case}");
                prop_assert!(!meets(r - 1), "{case}");
                let basis = QuorumBasis::default();
                let valid = validate(&QuorumSpec { numerator, denominator, rule, basis }).is_ok();
                if valid && eligible > 0 {
                    // A valid rule is met by a full attendance.
                    prop_assert!(r <= eligible);
                }
            }

            /// Any fraction a client can send is either refused or computes without overflow.
            #[test]
            fn any_fraction_is_refused_or_computed(
                numerator in any::<i64>(),
                denominator in any::<i64>(),
                rule in rule(),
                eligible in 0i64..=i64::MAX,
            ) {
                let r = required(rule, numerator, denominator, eligible);
                prop_assert!(r >= 1);
                let basis = QuorumBasis::default();
                if validate(&QuorumSpec { numerator, denominator, rule, basis }).is_ok() {
                    prop_assert!(r <= eligible.max(1).saturating_add(1));
                }
            }
        }
    }
}
