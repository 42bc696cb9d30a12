-- The event log (GET /v1/events) and webhook delivery (services/events). An event is written in the same D1
-- batch as the change it reports, with one delivery row per webhook endpoint that takes its type; the queue
-- consumer records every attempt. `subject` names the file record an event is about (id and provider), so a
-- repeated recording, a repeated delete and the daily expiry sweep write one event of a type per file.
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  type TEXT NOT NULL,
  upload_id TEXT,
  subject TEXT,
  request_id TEXT,
  data TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX events_owner ON events (owner, seq DESC);
CREATE INDEX events_upload ON events (owner, upload_id, seq);
CREATE UNIQUE INDEX events_once ON events (owner, type, subject) WHERE subject IS NOT NULL;

-- Webhook endpoints: `events` a JSON array of types, or NULL for every type; `secret` the signing secret
-- encrypted with a key derived from SIGNING_SECRET (AES-GCM), since the gateway must sign with it.
CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  url TEXT NOT NULL,
  events TEXT,
  secret TEXT NOT NULL,
  created_at TEXT NOT NULL,
  deleted_at TEXT
);
CREATE INDEX webhooks_owner ON webhooks (owner, created_at DESC);

-- One event to one endpoint: pending until an attempt succeeds (delivered) or the schedule runs out
-- (failed). `budget_from`: attempts before the last resend (the retry schedule restarts there).
CREATE TABLE deliveries (
  event_id TEXT NOT NULL,
  webhook_id TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  budget_from INTEGER NOT NULL DEFAULT 0,
  delivered_at TEXT,
  PRIMARY KEY (event_id, webhook_id)
);
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, status);

-- Every attempt: when, how long, the endpoint's status code (never its body).
CREATE TABLE attempts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL,
  webhook_id TEXT NOT NULL,
  at TEXT NOT NULL,
  status TEXT NOT NULL,
  status_code INTEGER,
  latency_ms INTEGER NOT NULL,
  error TEXT
);
CREATE INDEX attempts_event ON attempts (event_id, seq);
