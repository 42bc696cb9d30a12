-- A project's own quotas (PUT /v1/project), binding all its keys and tickets together; no row: none.
CREATE TABLE projects (
  project TEXT PRIMARY KEY,
  quotas TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
