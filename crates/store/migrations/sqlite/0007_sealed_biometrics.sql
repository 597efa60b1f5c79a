-- Photos and templates are stored sealed (AES-256-GCM) under a data key kept outside the
-- database; each row names the key that sealed it. Rows written before this are plaintext (an
-- empty key id) until the store next opens with a data key, which seals them.
ALTER TABLE photos ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE templates ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
