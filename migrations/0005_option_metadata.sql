-- Replicate's metadata option (a JSON object, stored as the compacted JSON text sent): shown with the record's
-- options and part of what makes a re-upload the same upload for dedupe.
ALTER TABLE files ADD COLUMN metadata TEXT;
