//! Check-ins -> quorum: how many present delegates a rule needs, in exact integer arithmetic, and
//! the attendance figures built from the recorded counts.

use rollcall_api::{Attendance, CheckinRecord, DelegationCount, QuorumRule, QuorumSpec, Sitting};

/// Why a quorum rule is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the quorum must be a fraction 0 <= numerator <= denominator with denominator > 0")]
pub struct InvalidQuorum;

impl InvalidQuorum {
    pub fn code(&self) -> &'static str {
        "invalid_quorum"
    }
}

pub fn validate(spec: &QuorumSpec) -> Result<(), InvalidQuorum> {
    if spec.denominator <= 0 || spec.numerator < 0 || spec.numerator > spec.denominator {
        return Err(InvalidQuorum);
    }
    Ok(())
}

/// Delegates needed for quorum, in exact integer arithmetic. A quorum always needs at least one
/// delegate present: with nobody eligible it cannot be reached.
pub fn required(rule: QuorumRule, numerator: i64, denominator: i64, eligible: i64) -> i64 {
    let product = eligible * numerator;
    let needed = match rule {
        QuorumRule::MoreThan => product / denominator + 1,
        QuorumRule::AtLeast => (product + denominator - 1) / denominator,
    };
    needed.max(1)
}

/// The attendance of `sitting` from its per-delegation counts and its check-ins.
pub fn attendance(
    sitting: &Sitting,
    by_delegation: Vec<DelegationCount>,
    checkins: Vec<CheckinRecord>,
) -> Attendance {
    let eligible = by_delegation.iter().map(|d| d.eligible).sum();
    let present = by_delegation.iter().map(|d| d.present).sum();
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
        required,
        quorum_reached: present >= required,
        by_delegation,
        checkins,
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

    #[test]
    fn attendance_sums_the_delegations() {
        let sitting = Sitting {
            id: 3,
            name: "Plenary".into(),
            quorum_numerator: 1,
            quorum_denominator: 2,
            quorum_rule: MoreThan,
            status: rollcall_api::SittingStatus::Open,
            opened_at: Some(1),
            closed_at: None,
        };
        let count = |d: &str, eligible, present| DelegationCount {
            delegation: d.into(),
            eligible,
            present,
        };
        let a = attendance(&sitting, vec![count("N", 3, 2), count("S", 2, 1)], vec![]);
        assert_eq!(
            (a.eligible, a.present, a.required, a.quorum_reached),
            (5, 3, 3, true)
        );
        let a = attendance(&sitting, vec![count("N", 4, 2)], vec![]);
        assert_eq!((a.required, a.quorum_reached), (3, false));
    }

    #[test]
    fn fractions_outside_zero_to_one_are_refused() {
        let spec = |numerator, denominator| QuorumSpec {
            numerator,
            denominator,
            rule: AtLeast,
        };
        assert!(validate(&spec(1, 2)).is_ok());
        assert!(validate(&spec(3, 2)).is_err());
        assert!(validate(&spec(1, 0)).is_err());
        assert!(validate(&spec(-1, 2)).is_err());
    }
}
