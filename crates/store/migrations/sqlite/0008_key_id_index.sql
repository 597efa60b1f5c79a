-- Every start asks which data keys the rows use, and a rotation finds the rows not under the
-- newest key: with the key id last in rows that hold large sealed values, both would read every
-- photo without these covering indexes.
CREATE INDEX photos_key_id ON photos (key_id);
CREATE INDEX templates_key_id ON templates (key_id);
