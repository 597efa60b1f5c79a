-- The audit log becomes a hash chain: each entry carries the hash of the one before it and its own
-- hash over its content and that link, so that an entry changed, removed or moved in the database
-- breaks the chain at that point (`rollcall audit verify`). Entries written before this migration
-- are sealed into the chain, in order, when the store next opens.
ALTER TABLE audit ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN hash TEXT NOT NULL DEFAULT '';
