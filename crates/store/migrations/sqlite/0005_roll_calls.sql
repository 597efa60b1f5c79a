-- Roll calls: who was present and eligible at one instant, for a vote. Each is stored as the
-- signed documents that were served (JSON and CSV), never changed; its figures are kept beside
-- them for lists. The public keys that signed them stay listed for verifiers after a key changes.
CREATE TABLE signing_keys (
    key_id       TEXT PRIMARY KEY,
    algorithm    TEXT NOT NULL,
    public_key   TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE roll_calls (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    sitting_id      BIGINT NOT NULL REFERENCES sittings(id),
    taken_at        BIGINT NOT NULL,
    taken_by        TEXT NOT NULL,
    eligible        BIGINT NOT NULL,
    present         BIGINT NOT NULL,
    required        BIGINT NOT NULL,
    quorum_reached  BIGINT NOT NULL,
    audit_seq       BIGINT NOT NULL,
    audit_hash      TEXT NOT NULL,
    key_id          TEXT NOT NULL,
    json            TEXT NOT NULL,
    csv             TEXT NOT NULL
);
CREATE INDEX roll_calls_sitting ON roll_calls(sitting_id, id);

-- One delivery per roll call to the configured webhook, queued in the roll call's own transaction
-- (a roll call cannot be taken without its delivery being queued), retried with backoff until the
-- receiver answers 2xx once.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    roll_call_id     BIGINT NOT NULL REFERENCES roll_calls(id),
    url              TEXT NOT NULL,
    state            TEXT NOT NULL,
    attempts         BIGINT NOT NULL,
    last_status      BIGINT,
    last_error       TEXT,
    next_attempt_at  BIGINT,
    delivered_at     BIGINT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at);
CREATE INDEX webhook_deliveries_roll_call ON webhook_deliveries(roll_call_id);
