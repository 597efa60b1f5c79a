-- rollcall schema (SQLite). Times are Unix milliseconds; booleans are 0/1 integers so that the same
-- queries run unchanged on PostgreSQL (see ../postgres).
CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE delegates (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id  TEXT NOT NULL UNIQUE,
    full_name    TEXT NOT NULL,
    delegation   TEXT NOT NULL,
    eligible     BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE photos (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    delegate_id  BIGINT NOT NULL REFERENCES delegates(id) ON DELETE CASCADE,
    image        BLOB NOT NULL,
    quality      TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE templates (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    delegate_id  BIGINT NOT NULL REFERENCES delegates(id) ON DELETE CASCADE,
    photo_id     BIGINT NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    model        TEXT NOT NULL,
    embedding    BLOB NOT NULL
);
CREATE INDEX templates_delegate ON templates(delegate_id);

CREATE TABLE sittings (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    quorum_num   BIGINT NOT NULL,
    quorum_den   BIGINT NOT NULL,
    quorum_rule  TEXT NOT NULL,
    status       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    opened_at    BIGINT,
    closed_at    BIGINT
);
-- At most one open sitting, enforced by the database itself.
CREATE UNIQUE INDEX one_open_sitting ON sittings(status) WHERE status = 'open';

CREATE TABLE checkins (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    sitting_id    BIGINT NOT NULL REFERENCES sittings(id),
    delegate_id   BIGINT NOT NULL REFERENCES delegates(id) ON DELETE CASCADE,
    method        TEXT NOT NULL,
    score         DOUBLE PRECISION,
    reason        TEXT,
    actor         TEXT NOT NULL,
    checked_in_at BIGINT NOT NULL,
    UNIQUE (sitting_id, delegate_id)
);

CREATE TABLE kiosk_frames (
    token_id        BIGINT NOT NULL,
    kiosk_frame_id  TEXT NOT NULL,
    response        TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (token_id, kiosk_frame_id)
);

-- What happened, by whom, to what: never names, photos or templates.
CREATE TABLE audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       BIGINT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    subject  TEXT NOT NULL,
    detail   TEXT NOT NULL
);
