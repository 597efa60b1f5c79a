-- A sitting's record does not change after the fact. Its eligible roll is fixed when it opens, and
-- its check-ins are copied when it closes; later changes to delegates (added, made ineligible,
-- erased) touch neither. Ids and delegations only, without foreign keys to delegates: the record
-- of who was eligible and present outlives an erased delegate's name, which is not in it.
CREATE TABLE sitting_roll (
    sitting_id   BIGINT NOT NULL REFERENCES sittings(id),
    delegate_id  BIGINT NOT NULL,
    delegation   TEXT NOT NULL,
    added_at     BIGINT NOT NULL,
    PRIMARY KEY (sitting_id, delegate_id)
);

CREATE TABLE sitting_record (
    sitting_id    BIGINT NOT NULL REFERENCES sittings(id),
    delegate_id   BIGINT NOT NULL,
    method        TEXT NOT NULL,
    score         DOUBLE PRECISION,
    checked_in_at BIGINT NOT NULL,
    PRIMARY KEY (sitting_id, delegate_id)
);

-- Corrections of a closed sitting: each one an admin's, with a reason, shown in every report.
CREATE TABLE amendments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    sitting_id   BIGINT NOT NULL REFERENCES sittings(id),
    delegate_id  BIGINT NOT NULL,
    action       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    actor        TEXT NOT NULL,
    at           BIGINT NOT NULL
);

-- Sittings opened before the roll existed get today's eligible delegates as their roll, and closed
-- ones their check-ins as their record: what they showed until now.
INSERT INTO sitting_roll (sitting_id, delegate_id, delegation, added_at)
    SELECT s.id, d.id, d.delegation, COALESCE(s.opened_at, s.created_at)
    FROM sittings s CROSS JOIN delegates d
    WHERE s.status <> 'draft' AND d.eligible = 1;

INSERT INTO sitting_record (sitting_id, delegate_id, method, score, checked_in_at)
    SELECT c.sitting_id, c.delegate_id, c.method, c.score, c.checked_in_at
    FROM checkins c JOIN sittings s ON s.id = c.sitting_id
    WHERE s.status = 'closed';
