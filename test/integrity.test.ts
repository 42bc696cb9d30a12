// State integrity of an upload's record, through the gateway and its real Durable
// Object and R2 (miniflare), against the emulator: each case is what an outside review reproduced.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { components } from "../generated/gateway";
import type { Env } from "../worker/core/config";
import type { Stored } from "../worker/services/records/record";
import { uploadSession } from "../worker/services/sessions/session";
import { stagedKey } from "../worker/services/staging/staged";
import { call, emulatorUrl, KEY, marker, problemOf, randomBytes, receivedWith, resultOf } from "./helpers";
import { created, patch as tusPatch } from "./tus/helpers";

type Ticket = components["schemas"]["UploadTicket"];
type Status = components["schemas"]["UploadStatus"];
const gw = env as unknown as Env;
const auth = { authorization: `Bearer ${KEY}` };
const TUS = { "tus-resumable": "1.0.0" };

async function ticket(body: Record<string, unknown>): Promise<Ticket> {
  const res = await call(
    new Request("http://gw/v1/uploads", {
      method: "POST",
      headers: { "content-type": "application/json", ...auth },
      body: JSON.stringify(body),
    }),
  );
  expect(res.status).toBe(201);
  return (await res.json()) as Ticket;
}

const put = (t: Ticket, filename: string, bytes: Uint8Array | ReadableStream<Uint8Array>, length: number) => {
  const url = new URL(t.upload_url);
  url.searchParams.set("filename", filename);
  return new Request(url, {
    method: "PUT",
    headers: { "content-type": "image/png", "content-length": String(length) },
    body: bytes,
  });
};

async function status(id: string): Promise<Status> {
  const res = await call(new Request(`http://gw/v1/uploads/${id}`, { headers: auth }));
  expect(res.status).toBe(200);
  return (await res.json()) as Status;
}

/**
 * The events a backend saw, repeats of the same event folded: callbacks are at least once, and miniflare
 * also fires alarms on its own clock beside the test's runDurableObjectAlarm.
 */
const events = async (name: string) =>
  (await callbacks(name))
    .map((c) => c.headers["mediagate-event"])
    .filter((e, i, all) => i === 0 || all[i - 1] !== e);

const callbacks = async (name: string) =>
  (await (await fetch(`${emulatorUrl()}/__callbacks/${name}`)).json()) as {
    headers: Record<string, string>;
    body: string;
  }[];

describe("1. a callback in flight never reverts the record", () => {
  it("fail → callback (slow) → success meanwhile: stays completed, the URL stays used, completed is told", async () => {
    const name = marker("slowcb");
    const t = await ticket({
      provider: "jimmy",
      callback_url: `${emulatorUrl()}/__callbacks/${name}?delay=800`,
    });
    const mark = marker("int");
    const bytes = randomBytes(1000);
    await problemOf(
      await call(put(t, `${mark}-sandbox-server-error.png`, bytes, 1000)),
      502,
      "provider_error",
    );
    const upload = uploadSession(gw, t.id);
    // The failure's callback is sent by the alarm and takes 800 ms; the app retries meanwhile and succeeds.
    const alarm = runDurableObjectAlarm(upload);
    await new Promise((r) => setTimeout(r, 200));
    const ok = await resultOf(await call(put(t, `${mark}.png`, bytes, 1000)));
    await alarm;
    const after = await status(t.id);
    expect(after.status).toBe("completed");
    expect(after.result?.id).toBe(ok.id);
    // Single use holds: a third PUT is refused and the provider got the file once.
    await problemOf(await call(put(t, `${mark}.png`, bytes, 1000)), 409, "token_used");
    const delivered = (await receivedWith(mark)).filter((r) => r.status === 200);
    expect(delivered).toHaveLength(1);
    // The completed callback is still owed, and goes next.
    await runDurableObjectAlarm(upload);
    expect(await events(name)).toEqual(["upload.failed", "upload.completed"]);
  });
});

/** A resumable upload to Jimmy, created with the gateway key (test/tus/helpers.ts does the protocol). */
async function tusUpload(bytes: Uint8Array, filename: string) {
  const { location, id } = await created({ provider: "jimmy", filename }, bytes.length);
  const patch = (offset: number, body: Uint8Array) => tusPatch(location, offset, body, body.length);
  return { location, id, patch };
}

describe("2. a finished tus upload can no longer be patched; DELETE ends it and keeps its outcome", () => {
  it("PATCH after completion answers 409 upload_complete; DELETE is 204 and the outcome stays", async () => {
    const bytes = randomBytes(3000);
    const up = await tusUpload(bytes, `${marker("done")}.png`);
    expect((await up.patch(0, bytes)).status).toBe(204);
    expect((await status(up.id)).status).toBe("completed");
    await problemOf(await up.patch(3000, new Uint8Array(1)), 409, "upload_complete");
    const del = await call(new Request(up.location, { method: "DELETE", headers: { ...TUS, ...auth } }));
    expect(del.status).toBe(204);
    const after = await status(up.id);
    expect(after.status).toBe("completed");
    expect(after.result).toBeDefined();
    // Jimmy holds its own copy: nothing points to the staged one, which is gone.
    expect(await gw.STAGING.head(stagedKey(up.id))).toBeNull();
  });
});

describe("3. claims cannot be held forever", () => {
  it("a client that sends part of its body and stalls is cut with 408 upload_stalled; the URL works again", async () => {
    const t = await ticket({ provider: "jimmy" });
    const mark = marker("stall");
    let cancelled = false;
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(randomBytes(100_000));
      },
      cancel() {
        cancelled = true;
      },
    });
    const res = await call(put(t, `${mark}.png`, stalled, 1_000_000), { IDLE_TIMEOUT_MS: "300" });
    await problemOf(res, 408, "upload_stalled");
    expect(cancelled).toBe(true);
    expect((await status(t.id)).status).toBe("failed");
    // Nothing complete reached the provider.
    expect((await receivedWith(mark)).filter((r) => r.complete)).toHaveLength(0);
    await resultOf(await call(put(t, `${mark}.png`, randomBytes(500), 500)));
  });

  it("a claim whose invocation died (its lease lapsed) is failed by the alarm, told, and the URL works again", async () => {
    const name = marker("lapse");
    const t = await ticket({ provider: "jimmy", callback_url: `${emulatorUrl()}/__callbacks/${name}` });
    const upload = uploadSession(gw, t.id);
    // An invocation claims the URL and dies before finishing.
    expect(await upload.begin("dead-invocation", undefined)).toEqual({ ok: true, value: undefined });
    await problemOf(await call(put(t, `${marker()}.png`, randomBytes(10), 10)), 409, "token_used");
    // Its lease lapses: rewind the stored heartbeat past the lease (what time would do).
    await runInDurableObject(upload, async (_o, state) => {
      const stored = (await state.storage.get<Stored>("upload")) as Stored;
      const lease = stored.lease as NonNullable<Stored["lease"]>;
      await state.storage.put("upload", {
        ...stored,
        lease: { ...lease, heartbeatAt: lease.heartbeatAt - 3_600_000 },
      });
    });
    await runDurableObjectAlarm(upload);
    expect((await status(t.id)).status).toBe("failed");
    expect((await status(t.id)).error?.code).toBe("upload_stalled");
    await runDurableObjectAlarm(upload);
    expect(await events(name)).toEqual(["upload.failed"]);
    await resultOf(await call(put(t, `${marker()}.png`, randomBytes(10), 10)));
  });
});

describe("4. finished records are deleted after their retention", () => {
  it("the alarm deletes the record once retention has passed and callbacks are done; GET answers 404", async () => {
    const t = await ticket({ provider: "jimmy" });
    await resultOf(await call(put(t, `${marker()}.png`, randomBytes(10), 10)));
    const upload = uploadSession(gw, t.id);
    // Retention passes: move the record's dates two days back.
    await runInDurableObject(upload, async (_o, state) => {
      const stored = (await state.storage.get<Stored>("upload")) as Stored;
      const back = (iso: string | undefined) =>
        new Date(Date.parse(iso ?? "") - 2 * 86_400_000).toISOString();
      const record = {
        ...stored.record,
        expires_at: back(stored.record.expires_at),
        finished_at: back(stored.record.finished_at),
      };
      await state.storage.put("upload", { ...stored, record });
      await state.storage.setAlarm(Date.now());
    });
    expect(await runDurableObjectAlarm(upload)).toBe(true);
    await runInDurableObject(upload, async (_o, state) => {
      expect(await state.storage.list()).toHaveProperty("size", 0);
      expect(await state.storage.getAlarm()).toBeNull();
    });
    await problemOf(
      await call(new Request(`http://gw/v1/uploads/${t.id}`, { headers: auth })),
      404,
      "not_found",
    );
  });
});

describe("the upload object rebuilt from storage", () => {
  it("after eviction mid-upload, HEAD reports the stored offset and the upload resumes and is delivered", async () => {
    const bytes = randomBytes(6 * 1024 * 1024 + 123);
    const mark = marker("evict");
    const up = await tusUpload(bytes, `${mark}.png`);
    const first = 5 * 1024 * 1024 + 7;
    expect((await up.patch(0, bytes.subarray(0, first))).status).toBe(204);
    await evictDurableObject(uploadSession(gw, up.id));
    const head = await call(new Request(up.location, { method: "HEAD", headers: { ...TUS, ...auth } }));
    expect(head.headers.get("upload-offset")).toBe(String(first));
    // The in-memory writer lock went with the evicted instance: the next PATCH is not locked out.
    expect((await up.patch(first, bytes.subarray(first))).status).toBe(204);
    const s = await status(up.id);
    expect(s.status).toBe("completed");
    expect(s.result?.file.size).toBe(bytes.length);
  });
});
