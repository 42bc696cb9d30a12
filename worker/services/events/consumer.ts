// The delivery queue's consumer (wrangler.toml [[queues.consumers]]): at-least-once delivery of each event to
// each endpoint that takes it. A message names an event; its pending deliveries are attempted, each attempt
// recorded in D1, and the message acknowledged only once none is left pending — else retried after the next
// step of LIMITS.webhookBackoffSeconds (message.retry: the Queue redelivers it, also after an eviction or a
// throw mid-batch, since only acknowledged messages are done). Per upload, events reach an endpoint in the
// order they happened: one waits while an earlier event of its upload is pending for that endpoint, and is
// queued again as soon as that one is done.
import type { Env } from "../../core/config";
import { LIMITS } from "../../core/limits";
import { log } from "../../core/log";
import { type EventMessage, enqueue } from "./log";
import { attemptDelivery } from "./send";
import { unseal } from "./webhooks";

interface EventRow {
  seq: number;
  id: string;
  owner: string;
  type: string;
  upload_id: string | null;
  request_id: string | null;
  data: string;
  created_at: string;
}

interface Pending {
  webhook_id: string;
  attempts: number;
  budget_from: number;
  url: string;
  secret: string;
  waiting: number;
  next_id: string | null;
}

const SCHEDULE = LIMITS.webhookBackoffSeconds;
/** The delay after the n-th (1-based) failure, the last step repeating. */
const backoff = (n: number) => SCHEDULE[Math.min(Math.max(n, 1), SCHEDULE.length) - 1] as number;

/** The delivered body (the same bytes on every attempt, so its signature covers what was recorded). */
const bodyOf = (e: EventRow) =>
  JSON.stringify({
    id: e.id,
    type: e.type,
    created_at: e.created_at,
    data: JSON.parse(e.data),
    request_id: e.request_id,
  });

/**
 * The event's pending deliveries to live endpoints, each with whether an earlier event of the same upload is
 * still pending for that endpoint (which this one must not overtake), and the next such event after it.
 */
const PENDING_SQL = `SELECT d.webhook_id, d.attempts, d.budget_from, w.url, w.secret,
    EXISTS (SELECT 1 FROM events p JOIN deliveries pd ON pd.event_id = p.id
      WHERE p.owner = ?2 AND p.upload_id = ?3 AND p.seq < ?4 AND pd.webhook_id = d.webhook_id
        AND pd.status = 'pending') AS waiting,
    (SELECT n.id FROM events n JOIN deliveries nd ON nd.event_id = n.id
      WHERE n.owner = ?2 AND n.upload_id = ?3 AND n.seq > ?4 AND nd.webhook_id = d.webhook_id
        AND nd.status = 'pending' ORDER BY n.seq LIMIT 1) AS next_id
  FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id AND w.deleted_at IS NULL
  WHERE d.event_id = ?1 AND d.status = 'pending' ORDER BY d.webhook_id`;

/** Endpoints' secrets, unsealed once per batch. */
type Secrets = Map<string, Promise<string>>;

/**
 * Attempts every pending delivery of one event; null when none is left pending, else the seconds until the
 * message should come back.
 */
async function deliverEvent(
  env: Env,
  e: EventRow,
  received: number,
  secrets: Secrets,
): Promise<number | null> {
  const db = env.DB;
  const { results } = await db.prepare(PENDING_SQL).bind(e.id, e.owner, e.upload_id, e.seq).all<Pending>();
  let delay: number | null = null;
  const later = (seconds: number) => {
    delay = delay === null ? seconds : Math.min(delay, seconds);
  };
  const body = bodyOf(e);
  for (const p of results) {
    if (p.waiting) {
      later(backoff(received));
      continue;
    }
    if (!secrets.has(p.webhook_id)) secrets.set(p.webhook_id, unseal(env.SIGNING_SECRET ?? "", p.secret));
    const secret = await (secrets.get(p.webhook_id) as Promise<string>);
    const out = await attemptDelivery(
      env,
      { id: p.webhook_id, url: p.url, secret },
      e.id,
      body,
      e.request_id,
    );
    const used = p.attempts + 1 - p.budget_from;
    const status = out.ok ? "delivered" : used > SCHEDULE.length ? "failed" : "pending";
    const at = new Date().toISOString();
    await db.batch([
      db
        .prepare(
          `INSERT INTO attempts (event_id, webhook_id, at, status, status_code, latency_ms, error)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .bind(
          e.id,
          p.webhook_id,
          at,
          out.ok ? "delivered" : "failed",
          out.statusCode,
          out.latencyMs,
          out.error,
        ),
      db
        .prepare(
          `UPDATE deliveries SET attempts = attempts + 1, status = ?, delivered_at = ?
           WHERE event_id = ? AND webhook_id = ? AND status = 'pending'`,
        )
        .bind(status, out.ok ? at : null, e.id, p.webhook_id),
    ]);
    if (status === "pending") later(backoff(used));
    if (status === "failed")
      log("warn", "webhook: delivery failed for good", {
        request_id: e.request_id,
        event: e.id,
        webhook: p.webhook_id,
      });
    // The next event of the upload waits for this one: it goes now rather than at its next look.
    if (status !== "pending" && p.next_id) await enqueue(env, [p.next_id], e.request_id ?? undefined);
  }
  return delay;
}

async function eventsOf(db: D1Database, ids: readonly string[]): Promise<EventRow[]> {
  const { results } = await db
    .prepare(
      `SELECT seq, id, owner, type, upload_id, request_id, data, created_at FROM events
       WHERE id IN (SELECT value FROM json_each(?)) ORDER BY seq`,
    )
    .bind(JSON.stringify(ids))
    .all<EventRow>();
  return results;
}

/** The dead-letter queue (wrangler.toml): where the Queue puts a message past its retries. */
export const DEAD_LETTER_QUEUE = "mediagate-events-dlq";

/** The queue handler: deliveries in order of occurrence, each message acknowledged or retried on its own. */
export async function handleEventBatch(batch: MessageBatch<EventMessage>, env: Env): Promise<void> {
  const byId = new Map<string, Message<EventMessage>[]>();
  for (const m of batch.messages) byId.set(m.body?.event, [...(byId.get(m.body?.event) ?? []), m]);
  const events = await eventsOf(
    env.DB,
    [...byId.keys()].filter((id) => typeof id === "string"),
  );
  const found = new Set(events.map((e) => e.id));
  // A message naming no event (malformed, or its event gone) has nothing to deliver.
  for (const [id, messages] of byId) if (!found.has(id)) for (const m of messages) m.ack();
  if (batch.queue === DEAD_LETTER_QUEUE) {
    await env.DB.prepare(
      `UPDATE deliveries SET status = 'failed' WHERE status = 'pending' AND event_id IN (SELECT value FROM json_each(?))`,
    )
      .bind(JSON.stringify([...found]))
      .run();
    for (const e of events) for (const m of byId.get(e.id) ?? []) m.ack();
    return;
  }
  // Events are delivered side by side (their order per upload is kept by the deliveries' state, not by
  // this loop); a failure of one (the database, say) leaves its messages unacknowledged and is thrown after
  // the others are done, so the Queue redelivers exactly those.
  const secrets: Secrets = new Map();
  const outcomes = await Promise.allSettled(
    events.map(async (e) => {
      const messages = byId.get(e.id) ?? [];
      const received = Math.max(...messages.map((m) => m.attempts));
      const delay = await deliverEvent(env, e, received, secrets);
      for (const m of messages) delay === null ? m.ack() : m.retry({ delaySeconds: delay });
    }),
  );
  const failed = outcomes.find((o) => o.status === "rejected");
  if (failed) throw failed.reason;
}
