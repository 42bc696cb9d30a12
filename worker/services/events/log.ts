// The event log on D1 (migrations/0007_events.sql, GET /v1/events): what happened to a project's uploads and
// files. An event is written by the statements of the step that decides it (the registry's batch, a delete,
// the expiry sweep), with one delivery row per webhook endpoint taking its type; then queued for delivery
// (./consumer.ts). Should the queueing be lost, the delivery rows stay pending: the daily cron queues them
// again (./expired.ts requeueUnsent), and a resend sends them at once.
import type { components } from "../../../generated/gateway";
import { b64url } from "../../core/crypto";
import { decodeCursor, encodeCursor } from "../../core/cursor";
import { GatewayError } from "../../core/errors";
import { log } from "../../core/log";

export type EventType = components["schemas"]["EventType"];
type Event = components["schemas"]["Event"];
type EventDetail = components["schemas"]["EventDetail"];
type Delivery = components["schemas"]["WebhookDelivery"];

/** A queued delivery: the event (its pending deliveries are read when it is handled). */
export interface EventMessage {
  readonly event: string;
}

/** What writes and queues events: the registry's D1 and the delivery queue (absent: logged only). */
export interface EventSink {
  readonly DB: D1Database;
  readonly EVENTS?: Queue<EventMessage> | undefined;
}

export interface NewEvent {
  readonly owner: string;
  readonly type: EventType;
  readonly uploadId: string | null;
  /** A file event's file ("id:provider"): one deleted and one expired event per file, never two. */
  readonly subject?: string;
  readonly requestId?: string | undefined;
  /** The delivered body's `data`. */
  readonly data: unknown;
}

export const newEventId = () => `evt_${b64url(crypto.getRandomValues(new Uint8Array(16)))}`;

/** A pending delivery of each event `which` selects to each live endpoint of its owner taking its type. */
export const deliveriesSql = (which = "e.id = ?") => `INSERT OR IGNORE INTO deliveries (event_id, webhook_id)
  SELECT e.id, w.id FROM events e JOIN webhooks w ON w.owner = e.owner AND w.deleted_at IS NULL
  WHERE ${which} AND (w.events IS NULL OR EXISTS (SELECT 1 FROM json_each(w.events) WHERE value = e.type))`;

/** The two statements writing one event and its deliveries, for the batch of the change it reports. */
export function eventStatements(db: D1Database, id: string, e: NewEvent): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `INSERT OR IGNORE INTO events (id, owner, type, upload_id, subject, request_id, data, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        id,
        e.owner,
        e.type,
        e.uploadId,
        e.subject ?? null,
        e.requestId ?? null,
        JSON.stringify(e.data),
        new Date().toISOString(),
      ),
    db.prepare(deliveriesSql()).bind(id),
  ];
}

/** Queues events for delivery; a failure is logged (the deliveries stay pending: resend sends them). */
export async function enqueue(sink: EventSink, ids: readonly string[], requestId?: string): Promise<void> {
  if (ids.length === 0) return;
  try {
    if (!sink.EVENTS) throw new Error("no EVENTS queue binding");
    for (let i = 0; i < ids.length; i += 100)
      await sink.EVENTS.sendBatch(ids.slice(i, i + 100).map((event) => ({ body: { event } })));
  } catch (error) {
    log("error", "events: could not queue", { request_id: requestId, events: ids.length, error });
  }
}

/**
 * Runs `statements` and the events' in one batch (all or nothing), then queues the events that got a
 * delivery. Throws what the batch throws.
 */
export async function commitWithEvents(
  sink: EventSink,
  statements: readonly D1PreparedStatement[],
  events: readonly NewEvent[],
  requestId?: string,
): Promise<void> {
  const ids = events.map(newEventId);
  const all = [...statements, ...events.flatMap((e, i) => eventStatements(sink.DB, ids[i] as string, e))];
  const results = await sink.DB.batch(all);
  const delivered = ids.filter((_, i) => (results[statements.length + 2 * i + 1]?.meta.changes ?? 0) > 0);
  await enqueue(sink, delivered, requestId);
}

interface EventRow {
  seq: number;
  id: string;
  type: EventType;
  upload_id: string | null;
  request_id: string | null;
  data: string;
  created_at: string;
}

interface DeliveryRow {
  event_id: string;
  webhook_id: string;
  status: Delivery["last_status"];
  attempts: number;
  delivered_at: string | null;
}

async function deliveriesOf(db: D1Database, ids: readonly string[]): Promise<Map<string, Delivery[]>> {
  const out = new Map<string, Delivery[]>();
  if (ids.length === 0) return out;
  const { results } = await db
    .prepare(
      `SELECT event_id, webhook_id, status, attempts, delivered_at FROM deliveries
       WHERE event_id IN (SELECT value FROM json_each(?)) ORDER BY webhook_id`,
    )
    .bind(JSON.stringify(ids))
    .all<DeliveryRow>();
  for (const r of results) {
    const list = out.get(r.event_id) ?? [];
    list.push({
      webhook_id: r.webhook_id,
      attempts: r.attempts,
      last_status: r.status,
      delivered_at: r.delivered_at,
    });
    out.set(r.event_id, list);
  }
  return out;
}

const eventOf = (row: EventRow, deliveries: Map<string, Delivery[]>): Event => ({
  id: row.id,
  type: row.type,
  created_at: row.created_at,
  upload_id: row.upload_id,
  request_id: row.request_id,
  deliveries: deliveries.get(row.id) ?? [],
});

export interface EventQuery {
  readonly type?: EventType | undefined;
  readonly uploadId?: string | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/** The owner's events, newest first, one page (the cursor: the last row's seq, as the registry's). */
export async function listEvents(db: D1Database, owner: string, q: EventQuery) {
  const before = q.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(q.cursor);
  const { results } = await db
    .prepare(
      `SELECT seq, id, type, upload_id, request_id, data, created_at FROM events
       WHERE owner = ?1 AND seq < ?2 AND (?3 IS NULL OR type = ?3) AND (?4 IS NULL OR upload_id = ?4)
       ORDER BY seq DESC LIMIT ?5`,
    )
    .bind(owner, before, q.type ?? null, q.uploadId ?? null, q.limit + 1)
    .all<EventRow>();
  const rows = results.slice(0, q.limit);
  const deliveries = await deliveriesOf(
    db,
    rows.map((r) => r.id),
  );
  const last = rows.at(-1);
  return {
    data: rows.map((r) => eventOf(r, deliveries)),
    next_cursor: results.length > q.limit && last ? encodeCursor(last.seq) : null,
  };
}

/** One of the owner's events with its attempts; another owner's is unknown (404), as a missing one. */
export async function getEvent(db: D1Database, owner: string, id: string): Promise<EventDetail> {
  const row = await db
    .prepare(
      "SELECT seq, id, type, upload_id, request_id, data, created_at FROM events WHERE owner = ? AND id = ?",
    )
    .bind(owner, id)
    .first<EventRow>();
  if (!row) throw new GatewayError("not_found", `No event "${id}" in this project.`);
  const { results: attempts } = await db
    .prepare(
      `SELECT webhook_id, at, status, status_code, latency_ms, error FROM attempts WHERE event_id = ? ORDER BY seq`,
    )
    .bind(id)
    .all<EventDetail["attempts"][number]>();
  return { ...eventOf(row, await deliveriesOf(db, [id])), data: JSON.parse(row.data), attempts };
}

/**
 * Delivers the owner's event again (POST /v1/events/{id}/resend): to every live endpoint taking its type,
 * with a fresh retry schedule (delivered ones too: the receiver deduplicates by webhook-id).
 */
export async function resendEvent(sink: EventSink, owner: string, id: string, requestId?: string) {
  const db = sink.DB;
  const exists = await db
    .prepare("SELECT 1 AS one FROM events WHERE owner = ? AND id = ?")
    .bind(owner, id)
    .first();
  if (!exists) throw new GatewayError("not_found", `No event "${id}" in this project.`);
  await db.batch([
    db.prepare(deliveriesSql()).bind(id),
    db
      .prepare(
        `UPDATE deliveries SET status = 'pending', budget_from = attempts, delivered_at = NULL
         WHERE event_id = ? AND webhook_id IN (SELECT id FROM webhooks WHERE owner = ? AND deleted_at IS NULL)`,
      )
      .bind(id, owner),
  ]);
  await enqueue(sink, [id], requestId);
  const { attempts: _a, data: _d, ...event } = await getEvent(db, owner, id);
  return event;
}
