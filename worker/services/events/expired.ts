// file.expired: the provider's retention of a recorded file has passed (files.expires_at; the registry
// reports such a record as expired from then on). The daily cron (worker/index.ts) writes one event per
// file, once (the events_once index), and its deliveries in the same batch, a bounded page at a time.
import { LIMITS } from "../../core/limits";
import { log } from "../../core/log";
import { deliveriesSql, type EventSink, enqueue } from "./log";

/** Files recorded as expired per batch: bounds one statement's work. */
const PAGE = 500;

export async function noteExpired(sink: EventSink, now: number): Promise<number> {
  const db = sink.DB;
  let noted = 0;
  for (let page = 0; ; page++) {
    // Each page its own time (a millisecond apart), which names its events for the two statements after.
    const at = new Date(now + page).toISOString();
    const [inserted, , queued] = await db.batch<{ id: string }>([
      db
        .prepare(
          `INSERT OR IGNORE INTO events (id, owner, type, upload_id, subject, request_id, data, created_at)
           SELECT 'evt_' || lower(hex(randomblob(16))), f.owner, 'file.expired', f.upload_id,
             f.id || ':' || f.provider, NULL,
             json_object('id', f.id, 'upload_id', f.upload_id, 'provider', f.provider,
               'provider_file_id', f.provider_file_id, 'expires_at', f.expires_at), ?1
           FROM files f WHERE f.status != 'deleted' AND f.expires_at IS NOT NULL AND f.expires_at <= ?1
             AND NOT EXISTS (SELECT 1 FROM events e WHERE e.owner = f.owner AND e.type = 'file.expired'
               AND e.subject = f.id || ':' || f.provider)
           LIMIT ?2 RETURNING id`,
        )
        .bind(at, PAGE),
      db.prepare(deliveriesSql("e.type = 'file.expired' AND e.created_at = ?")).bind(at),
      db
        .prepare(
          `SELECT DISTINCT d.event_id AS id FROM deliveries d JOIN events e ON e.id = d.event_id
           WHERE e.type = 'file.expired' AND e.created_at = ? AND d.status = 'pending'`,
        )
        .bind(at),
    ]);
    const count = inserted?.results.length ?? 0;
    noted += count;
    await enqueue(sink, queued?.results.map((r) => r.id) ?? []);
    if (count < PAGE) break;
  }
  if (noted) log("info", "events: files expired", { noted });
  return noted;
}

/**
 * The backstop for a lost queueing (the Worker died between the batch and the send): events with a delivery
 * never attempted, written more than LIMITS.webhookRequeueAfterMs ago, are queued again (the daily cron).
 */
export async function requeueUnsent(sink: EventSink, now: number): Promise<number> {
  const before = new Date(now - LIMITS.webhookRequeueAfterMs).toISOString();
  const { results } = await sink.DB.prepare(
    `SELECT DISTINCT e.id FROM deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.status = 'pending' AND d.attempts = d.budget_from AND e.created_at < ? LIMIT 5000`,
  )
    .bind(before)
    .all<{ id: string }>();
  await enqueue(
    sink,
    results.map((r) => r.id),
  );
  return results.length;
}
