-- Names are searched as people type them (any case, with or without diacritics): each delegate
-- keeps the folded form of its name, delegation and external id (rollcall-names::search_key),
-- written with the row. Rows from before are keyed (and their names put in NFC) at start-up.
ALTER TABLE delegates ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
