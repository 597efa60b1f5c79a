-- Who is in the hall now. A kiosk token faces one way (entrance or exit); a check-in is "in the
-- hall" until an exit sighting (or the desk) marks the delegate out, and the next entrance marks
-- them in again. Each such passage after the check-in is kept, ids only, for the sitting's report.
-- A sitting says whether its quorum counts everyone checked in (as before) or who is in the hall.
ALTER TABLE tokens ADD COLUMN direction TEXT;
UPDATE tokens SET direction = 'entrance' WHERE role = 'kiosk';
ALTER TABLE sittings ADD COLUMN quorum_basis TEXT NOT NULL DEFAULT 'checked_in';
ALTER TABLE checkins ADD COLUMN in_hall BIGINT NOT NULL DEFAULT 1;
ALTER TABLE sitting_record ADD COLUMN in_hall BIGINT NOT NULL DEFAULT 1;

CREATE TABLE movements (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    sitting_id   BIGINT NOT NULL REFERENCES sittings(id),
    delegate_id  BIGINT NOT NULL,
    direction    TEXT NOT NULL,
    method       TEXT NOT NULL,
    reason       TEXT,
    actor        TEXT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX movements_sitting ON movements(sitting_id, at);
