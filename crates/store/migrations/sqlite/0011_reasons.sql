-- Free-text reasons (a check-in by hand, a correction, an amendment, a roll addition, marking out)
-- can name people, and the audit chain cannot forget. The chain therefore commits to a reason by a
-- salted SHA-256 of it; the text and its salt live here, with the delegate the reason was given
-- for, and erasing that delegate deletes them: the digest stays in the chain and proves nothing
-- about any text once its salt is gone.
CREATE TABLE reasons (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    delegate_id  BIGINT NOT NULL,
    digest       TEXT NOT NULL UNIQUE,
    salt         TEXT NOT NULL,
    text         TEXT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX reasons_delegate ON reasons(delegate_id);

-- Why a delegate was added to an open sitting's roll after it opened (the digest of the reason).
ALTER TABLE sitting_roll ADD COLUMN reason_digest TEXT;
