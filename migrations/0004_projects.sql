-- A project's own quotas (PUT /v1/project), binding all its keys and tickets together; no row: none.
CREATE TABLE projects (
  project TEXT PRIMARY KEY,
  quotas TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
-- The audit log records project changes too: with no key, and the quotas set.
ALTER TABLE audit ADD COLUMN quotas TEXT;
