-- A kiosk's stored answer (kept so that a retried frame gets the same answer) names the delegates
-- it greeted. Erasing a delegate must remove those answers too, so each answer lists the ids it
-- names (",4,17,"). Answers stored before this was kept cannot be told apart: those that name
-- anyone are dropped (a retry of such a frame is judged afresh).
ALTER TABLE kiosk_frames ADD COLUMN delegates TEXT NOT NULL DEFAULT '';
DELETE FROM kiosk_frames WHERE response LIKE '%full_name%';
