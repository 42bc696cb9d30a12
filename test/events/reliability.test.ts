// The reliability bar for webhook delivery, with the Queue's redelivery played out by the test: the Worker's
// own queue() handler runs on batches made with the pool's createMessageBatch, and getQueueResult says what
// it acknowledged and retried (with which delay) — the test then hands back what the Queue would: retried
// messages, and after a throw everything not acknowledged, attempts + 1. Time is compressed (a retry's delay
// is asserted, not waited). The queue binding the consumer sends to (an event queued again once an earlier one
// of its upload is delivered) feeds the same loop, so the real queue's consumer never sees these events; the
// receiver is the Node emulator's sink, a real HTTP server that fails as told.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../worker/core/config";
import { LIMITS } from "../../worker/core/limits";
import worker from "../../worker/index";
import { DEAD_LETTER_QUEUE } from "../../worker/services/events/consumer";
import { requeueUnsent } from "../../worker/services/events/expired";
import {
  type EventMessage,
  type EventType,
  eventStatements,
  newEventId,
} from "../../worker/services/events/log";
import { gatewayEnv, marker } from "../helpers";
import { type Arrival, arrivals, type CreatedWebhook, expectedSignature, project, sinkUrl } from "./helpers";

interface Sim {
  id: string;
  body: EventMessage;
  attempts: number;
  timestamp: number;
}

/** Writes events as the registry's batch does (its statements), without queueing them. */
async function writeEvents(owner: string, specs: { type: EventType; uploadId: string }[]): Promise<string[]> {
  const db = gatewayEnv().DB;
  const ids = specs.map(() => newEventId());
  const statements = specs.flatMap((s, i) =>
    eventStatements(db, ids[i] as string, { owner, type: s.type, uploadId: s.uploadId, data: { n: i } }),
  );
  for (let i = 0; i < statements.length; i += 100) await db.batch(statements.slice(i, i + 100));
  return ids;
}

const ownerOfKey = async (key: string) => {
  const { ownerOf } = await import("../../worker/services/registry/files");
  return ownerOf(key);
};

/**
 * Plays the Queue until no message is left: batches of `size`, `breakAfter` D1 batches into a round the
 * database fails (the invocation dies mid-batch). Returns the delays asked for, per event.
 */
async function drain(
  ids: string[],
  opts: { size?: number; breakAt?: (round: number) => number | undefined } = {},
) {
  let queue: Sim[] = ids.map((event) => ({
    id: crypto.randomUUID(),
    body: { event },
    attempts: 1,
    timestamp: 0,
  }));
  const delays = new Map<string, number[]>();
  const requeue: Sim[] = [];
  const events = {
    send: async (body: EventMessage) =>
      void requeue.push({ id: crypto.randomUUID(), body, attempts: 1, timestamp: 0 }),
    sendBatch: async (msgs: { body: EventMessage }[]) => {
      for (const m of msgs)
        requeue.push({ id: crypto.randomUUID(), body: m.body, attempts: 1, timestamp: 0 });
    },
  };
  let rounds = 0;
  while (queue.length > 0) {
    expect(++rounds, "the queue drains").toBeLessThan(200);
    const next: Sim[] = [];
    for (let i = 0; i < queue.length; i += opts.size ?? 100) {
      const msgs = queue.slice(i, i + (opts.size ?? 100));
      const base = gatewayEnv();
      let calls = 0;
      const limit = opts.breakAt?.(rounds);
      const db = new Proxy(base.DB, {
        get(target, prop) {
          const value = Reflect.get(target, prop) as unknown;
          if (prop === "batch" && limit !== undefined)
            return (...args: Parameters<D1Database["batch"]>) => {
              if (++calls > limit) throw new Error("evicted");
              return target.batch(...args);
            };
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      const env = { ...base, DB: db, EVENTS: events } as unknown as Env;
      const batch = createMessageBatch<EventMessage>("mediagate-events", msgs);
      // getQueueResult (vitest-plugin 1.4.10) reports which messages were retried but not their delay: the
      // delay each retry asks for is read as it is asked, on the way to the runtime's message.
      const asked = new Map<string, number | undefined>();
      const messages = batch.messages.map((m) => ({
        id: m.id,
        timestamp: m.timestamp,
        body: m.body,
        attempts: m.attempts,
        ack: () => m.ack(),
        retry: (o?: QueueRetryOptions) => {
          asked.set(m.id, o?.delaySeconds);
          m.retry(o);
        },
      }));
      const seen = {
        queue: batch.queue,
        messages,
        ackAll: () => batch.ackAll(),
        retryAll: () => batch.retryAll(),
      };
      const ctx = createExecutionContext();
      // A handler that throws has its unacknowledged messages redelivered (the runtime would see the throw).
      let threw = false;
      await Promise.resolve(worker.queue(seen as unknown as MessageBatch<EventMessage>, env)).catch(() => {
        threw = true;
      });
      const result = await getQueueResult(batch, ctx);
      const retried = new Set(result.retryMessages.map((r) => r.msgId));
      for (const m of msgs) {
        const back = threw ? !result.explicitAcks.includes(m.id) : retried.has(m.id);
        if (!back) continue;
        const delay = asked.get(m.id);
        if (delay !== undefined) delays.set(m.body.event, [...(delays.get(m.body.event) ?? []), delay]);
        next.push({ ...m, attempts: m.attempts + 1 });
      }
    }
    queue = [...next, ...requeue.splice(0)];
  }
  return delays;
}

/** Arrivals deduplicated by webhook-id (the receiver's idempotency key), in order of first arrival. */
const firstById = (all: Arrival[]) => {
  const seen = new Map<string, Arrival>();
  for (const a of all)
    if (!seen.has(a.headers["webhook-id"] as string)) seen.set(a.headers["webhook-id"] as string, a);
  return [...seen.values()];
};

async function setUp(query: string) {
  const p = project();
  const sink = marker("rel");
  const hook = (await (await p.post("/v1/webhooks", { url: sinkUrl(sink, query) })).json()) as CreatedWebhook;
  return { p, sink, hook, owner: await ownerOfKey(p.key) };
}

describe("webhook delivery under failure", () => {
  it("a receiver down for its first attempts gets each event once after recovery, in order per upload", async () => {
    const { p, sink, hook, owner } = await setUp("?fail=8");
    const up1 = marker("u");
    const up2 = marker("u");
    const ids = await writeEvents(owner, [
      { type: "upload.completed", uploadId: up1 },
      { type: "upload.completed", uploadId: up2 },
      { type: "file.deleted", uploadId: up1 },
      { type: "file.expired", uploadId: up1 },
    ]);
    // The later events first in the batch: order comes from the events, not the messages.
    const delays = await drain([...ids].reverse(), { size: 2 });
    const got = firstById(await arrivals(sink));
    expect(got.map((a) => a.headers["webhook-id"]).sort()).toEqual([...ids].sort());
    const ofUp1 = got
      .map((a) => a.headers["webhook-id"])
      .filter((id) => [ids[0], ids[2], ids[3]].includes(id));
    expect(ofUp1).toEqual([ids[0], ids[2], ids[3]]);
    for (const a of got) expect(a.headers["webhook-signature"]).toBe(await expectedSignature(hook.secret, a));
    // Every retry waits a step of the schedule, the first failure its first step.
    const asked = [...delays.values()];
    expect(asked.flat().every((d) => LIMITS.webhookBackoffSeconds.includes(d))).toBe(true);
    expect(asked.some((d) => d.length >= 2 && d[0] === LIMITS.webhookBackoffSeconds[0])).toBe(true);
    const detail = await p.json<{ attempts: { status: string; status_code: number }[] }>(
      `/v1/events/${ids[0]}`,
    );
    expect(detail.attempts.at(-1)).toMatchObject({ status: "delivered", status_code: 204 });
    expect(detail.attempts.filter((a) => a.status === "failed").every((a) => a.status_code === 500)).toBe(
      true,
    );
  });

  it("an invocation that dies mid-batch loses nothing: the Queue redelivers what was not acknowledged", async () => {
    const { sink, owner } = await setUp("");
    const ids = await writeEvents(
      owner,
      Array.from({ length: 30 }, () => ({ type: "upload.completed" as const, uploadId: marker("u") })),
    );
    // The first two rounds die after a few recorded attempts (after a POST, before its record, too).
    await drain(ids, { size: 10, breakAt: (round) => (round <= 2 ? 3 : undefined) });
    const all = await arrivals(sink);
    expect(
      firstById(all)
        .map((a) => a.headers["webhook-id"])
        .sort(),
    ).toEqual([...ids].sort());
    // An invocation died between a POST and its record: that event went twice, under the same webhook-id.
    expect(all.length).toBeGreaterThan(ids.length);
    const { results } = await gatewayEnv()
      .DB.prepare(
        "SELECT status, COUNT(*) AS n FROM deliveries WHERE event_id IN (SELECT value FROM json_each(?)) GROUP BY status",
      )
      .bind(JSON.stringify(ids))
      .all<{ status: string; n: number }>();
    expect(results).toEqual([{ status: "delivered", n: 30 }]);
  });

  it("1,000 events, a receiver failing 30% of attempts at random: 0 lost, 0 bad signatures, every attempt recorded", async () => {
    const { sink, hook, owner } = await setUp("?failrate=0.3");
    const ids = await writeEvents(
      owner,
      Array.from({ length: 1000 }, () => ({ type: "upload.completed" as const, uploadId: marker("u") })),
    );
    await drain(ids);
    const all = await arrivals(sink);
    const got = firstById(all);
    expect(got).toHaveLength(1000);
    expect(new Set(got.map((a) => a.headers["webhook-id"]))).toEqual(new Set(ids));
    let bad = 0;
    for (const a of all)
      if (a.headers["webhook-signature"] !== (await expectedSignature(hook.secret, a))) bad++;
    expect(bad).toBe(0);
    const db = gatewayEnv().DB;
    const rows = await db
      .prepare(
        `SELECT status, COUNT(*) AS n, COUNT(DISTINCT event_id) AS events FROM attempts
         WHERE event_id IN (SELECT value FROM json_each(?)) GROUP BY status ORDER BY status`,
      )
      .bind(JSON.stringify(ids))
      .all<{ status: string; n: number; events: number }>();
    const [delivered, failed] = rows.results;
    expect(delivered).toMatchObject({ status: "delivered", n: all.length, events: 1000 });
    // ~30% of attempts failed (each failure a 500 the sink answered, recorded with it).
    const share = (failed?.n ?? 0) / (all.length + (failed?.n ?? 0));
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.4);
  }, 120_000);

  it("the dead-letter queue's messages mark what they left pending failed; a lost queueing is sent again", async () => {
    const { p, owner } = await setUp("");
    const [dead, lost] = await writeEvents(owner, [
      { type: "upload.completed", uploadId: marker("u") },
      { type: "upload.completed", uploadId: marker("u") },
    ]);
    const batch = createMessageBatch<EventMessage>(DEAD_LETTER_QUEUE, [
      { id: "m1", timestamp: 0, attempts: 101, body: { event: dead as string } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, gatewayEnv());
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["m1"]);
    const detail = await p.json<{ deliveries: { last_status: string; attempts: number }[] }>(
      `/v1/events/${dead}`,
    );
    expect(detail.deliveries).toEqual([expect.objectContaining({ last_status: "failed", attempts: 0 })]);

    // Never queued (as if the Worker died after the batch): the cron's backstop queues it, and only it.
    const sent: EventMessage[] = [];
    const sink = {
      DB: gatewayEnv().DB,
      EVENTS: { sendBatch: async (m: { body: EventMessage }[]) => void sent.push(...m.map((x) => x.body)) },
    } as unknown as Env;
    await requeueUnsent(sink, Date.now() + LIMITS.webhookRequeueAfterMs + 1000);
    expect(sent.map((m) => m.event)).toContain(lost);
    expect(sent.map((m) => m.event)).not.toContain(dead);
    sent.length = 0;
    await requeueUnsent(sink, Date.now());
    expect(sent.map((m) => m.event)).not.toContain(lost);
  });
});
