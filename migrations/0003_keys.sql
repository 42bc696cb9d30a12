-- Keys created at runtime (POST /v1/keys), each in a project: the project owns what its keys and their
-- tickets create (files.owner). A key is stored only as a keyed hash (services/keys/store.ts); `prefix` is
-- the visible start that names it. providers: a JSON array, or NULL for every provider; actions: a JSON
-- array; quotas: a JSON object (services/keys/scope.ts).
CREATE TABLE keys (
  id TEXT PRIMARY KEY,
  project TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  name TEXT NOT NULL,
  providers TEXT,
  actions TEXT NOT NULL,
  quotas TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT
);
CREATE INDEX keys_project ON keys (project, created_at DESC);

-- Who created and revoked which key (GET /v1/audit): ids and prefixes only, never a key.
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project TEXT NOT NULL,
  at TEXT NOT NULL,
  actor_prefix TEXT NOT NULL,
  action TEXT NOT NULL,
  key_id TEXT NOT NULL,
  key_prefix TEXT NOT NULL
);
CREATE INDEX audit_project ON audit (project, seq DESC);

-- The usage rollup (GET /v1/usage): one row per project, UTC day, provider and key, added to in the same
-- batch that records the upload's result (services/usage/usage.ts).
CREATE TABLE usage (
  project TEXT NOT NULL,
  day TEXT NOT NULL,
  provider TEXT NOT NULL,
  key_id TEXT NOT NULL,
  uploads INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  deduplicated INTEGER NOT NULL DEFAULT 0,
  bytes_saved INTEGER NOT NULL DEFAULT 0,
  imports INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (project, day, provider, key_id)
);
