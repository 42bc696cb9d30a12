-- Kept originals (docs/reuse.md): one row per project (owner) and SHA-256, naming the R2 object that holds
-- the bytes (uploads/<upload_id>: the staged object of the upload that first kept them). Content-addressed
-- within an owner only: the primary key includes the owner, so no project ever reaches another's bytes.
CREATE TABLE originals (
  owner TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  upload_id TEXT NOT NULL,
  name TEXT NOT NULL,
  size INTEGER NOT NULL,
  mime_type TEXT NOT NULL,
  kind TEXT NOT NULL,
  detected_type TEXT,
  created_at TEXT NOT NULL,
  kept_until TEXT NOT NULL,
  PRIMARY KEY (owner, sha256)
);
CREATE INDEX originals_until ON originals (kept_until);
CREATE INDEX originals_upload ON originals (upload_id);
-- A project's default retention of originals, in days (PUT /v1/project keep_days); 0: not kept.
ALTER TABLE projects ADD COLUMN keep_days INTEGER NOT NULL DEFAULT 0;
