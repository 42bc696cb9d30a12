-- The file registry: one row per UploadResult the gateway produced (a fan-out shares its id across providers).
-- seq orders rows newest first and is the pagination cursor (stable under inserts: new rows get larger seq).
CREATE TABLE files (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL,
  owner TEXT NOT NULL,
  provider TEXT NOT NULL,
  status TEXT NOT NULL,
  name TEXT NOT NULL,
  size INTEGER NOT NULL,
  mime_type TEXT NOT NULL,
  kind TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  detected_type TEXT,
  provider_file_id TEXT,
  reference TEXT NOT NULL,
  url TEXT,
  purpose TEXT,
  user TEXT,
  account TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  deleted_at TEXT,
  provider_deleted INTEGER,
  UNIQUE (owner, id, provider)
);
CREATE INDEX files_owner_seq ON files (owner, seq DESC);
CREATE INDEX files_owner_digest ON files (owner, provider, sha256);
