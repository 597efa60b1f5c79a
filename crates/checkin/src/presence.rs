//! Verdict -> check-in, by the door: what a recognised, live face at an entrance or an exit kiosk
//! calls for, given where the delegate is now. An entrance checks a delegate in the first time
//! and brings them back in after they left; an exit marks a checked-in delegate out. Whatever
//! changes is recorded only once enough frames agree (see [`crate::Decider`]); what changes
//! nothing is answered at once.

use rollcall_api::{FaceStatus, KioskDirection};

/// Where a delegate stands in a sitting, as the store has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// No check-in for this sitting.
    NotCheckedIn,
    /// Checked in and not seen leaving since.
    InHall,
    /// Checked in, then left.
    Out,
}

impl Presence {
    /// From a check-in row's `in_hall`, or no row.
    pub fn from_row(in_hall: Option<bool>) -> Presence {
        match in_hall {
            None => Presence::NotCheckedIn,
            Some(true) => Presence::InHall,
            Some(false) => Presence::Out,
        }
    }
}

/// A change of a delegate's presence that a passage can record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// First arrival: the check-in.
    CheckIn,
    /// Back in after leaving.
    Return,
    /// Leaving the hall.
    Leave,
}

impl Change {
    /// The kiosk's answer once the change is recorded.
    pub fn status(self) -> FaceStatus {
        match self {
            Change::CheckIn => FaceStatus::CheckedIn,
            Change::Return => FaceStatus::Returned,
            Change::Leave => FaceStatus::CheckedOut,
        }
    }
}

/// A passage that changes nothing, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// At an entrance: already in the hall.
    AlreadyIn,
    /// At an exit: already out.
    AlreadyOut,
    /// At an exit: never checked in (an exit does not check anyone in).
    NeverCheckedIn,
}

impl Standing {
    pub fn status(self) -> FaceStatus {
        match self {
            Standing::AlreadyIn => FaceStatus::AlreadyCheckedIn,
            Standing::AlreadyOut => FaceStatus::AlreadyCheckedOut,
            Standing::NeverCheckedIn => FaceStatus::NotCheckedIn,
        }
    }
}

/// What a passage past a kiosk means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passage {
    /// Something to record, once enough frames agree.
    Record(Change),
    /// Nothing changes; the kiosk is told this at once.
    Unchanged(Standing),
}

/// What a delegate standing at `presence` passing a kiosk facing `direction` calls for.
pub fn passage(direction: KioskDirection, presence: Presence) -> Passage {
    match (direction, presence) {
        (KioskDirection::Entrance, Presence::NotCheckedIn) => Passage::Record(Change::CheckIn),
        (KioskDirection::Entrance, Presence::Out) => Passage::Record(Change::Return),
        (KioskDirection::Entrance, Presence::InHall) => Passage::Unchanged(Standing::AlreadyIn),
        (KioskDirection::Exit, Presence::InHall) => Passage::Record(Change::Leave),
        (KioskDirection::Exit, Presence::Out) => Passage::Unchanged(Standing::AlreadyOut),
        (KioskDirection::Exit, Presence::NotCheckedIn) => {
            Passage::Unchanged(Standing::NeverCheckedIn)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use KioskDirection::*;

    #[test]
    fn every_door_and_standing() {
        let cases = [
            (
                Entrance,
                Presence::NotCheckedIn,
                Passage::Record(Change::CheckIn),
            ),
            (Entrance, Presence::Out, Passage::Record(Change::Return)),
            (
                Entrance,
                Presence::InHall,
                Passage::Unchanged(Standing::AlreadyIn),
            ),
            (Exit, Presence::InHall, Passage::Record(Change::Leave)),
            (
                Exit,
                Presence::Out,
                Passage::Unchanged(Standing::AlreadyOut),
            ),
            (
                Exit,
                Presence::NotCheckedIn,
                Passage::Unchanged(Standing::NeverCheckedIn),
            ),
        ];
        for (door, standing, expected) in cases {
            assert_eq!(passage(door, standing), expected, "{door:?} {standing:?}");
        }
    }

    #[test]
    fn a_walk_in_out_and_back_in() {
        // Entrance, exit, entrance again: in, out, in; a second exit sighting after leaving
        // records nothing.
        let mut at = Presence::NotCheckedIn;
        let mut statuses = Vec::new();
        for door in [Entrance, Exit, Exit, Entrance, Entrance] {
            match passage(door, at) {
                Passage::Record(change) => {
                    at = match change {
                        Change::CheckIn | Change::Return => Presence::InHall,
                        Change::Leave => Presence::Out,
                    };
                    statuses.push(change.status());
                }
                Passage::Unchanged(standing) => statuses.push(standing.status()),
            }
        }
        assert_eq!(
            statuses,
            [
                FaceStatus::CheckedIn,
                FaceStatus::CheckedOut,
                FaceStatus::AlreadyCheckedOut,
                FaceStatus::Returned,
                FaceStatus::AlreadyCheckedIn,
            ]
        );
        assert_eq!(at, Presence::InHall);
    }

    #[test]
    fn rows_map_to_standing() {
        assert_eq!(Presence::from_row(None), Presence::NotCheckedIn);
        assert_eq!(Presence::from_row(Some(true)), Presence::InHall);
        assert_eq!(Presence::from_row(Some(false)), Presence::Out);
    }
}
