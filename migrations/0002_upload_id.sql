-- Every provider's record has an id of its own; upload_id names the upload that put the file at the provider
-- (a fan-out's records share it). Rows recorded before this were keyed by the upload's id: it is theirs.
ALTER TABLE files ADD COLUMN upload_id TEXT;
UPDATE files SET upload_id = id WHERE upload_id IS NULL;
CREATE INDEX files_upload ON files (upload_id);
CREATE INDEX files_owner_provider_file ON files (owner, provider, provider_file_id);
