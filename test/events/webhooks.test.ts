// Webhook endpoints and the event log through the real routes, and delivery through the real Queue: the upload
// writes its event, miniflare's queue hands it to this Worker's consumer, which POSTs it signed to the Node
// emulator's sink (a real HTTP server) — nothing between is replaced.
import { describe, expect, it } from "vitest";
import {
  createMediagate,
  MediagateError,
  verifyWebhook,
  WebhookVerificationError,
} from "../../client/src/index";
import { call, marker, problemOf, randomBytes, rawRequest, resultOf } from "../helpers";
import {
  arrivals,
  type CreatedWebhook,
  type EventDetail,
  type EventList,
  eventually,
  expectedSignature,
  project,
  sinkUrl,
} from "./helpers";

const upload = (p: ReturnType<typeof project>, mark: string, headers: Record<string, string> = {}) =>
  call(
    rawRequest("useapi", {
      key: p.key,
      filename: `${mark}.png`,
      type: "image/png",
      bytes: randomBytes(700),
      query: { account: mark },
      headers,
    }),
    p.env,
  );

describe("webhook endpoints", () => {
  it("creates one with a Standard Webhooks secret shown once, lists it without, deletes it", async () => {
    const p = project();
    const res = await p.post("/v1/webhooks", { url: sinkUrl(marker("wh")), events: ["upload.completed"] });
    expect(res.status).toBe(201);
    const made = (await res.json()) as CreatedWebhook;
    expect(made.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(made.secret.slice(6))).toHaveLength(32);
    expect(made.events).toEqual(["upload.completed"]);
    const listed = await p.json<{ data: unknown[] }>("/v1/webhooks");
    expect(listed.data).toEqual([
      { id: made.id, url: made.url, events: made.events, created_at: made.created_at },
    ]);
    expect(JSON.stringify(listed)).not.toContain(made.secret.slice(6, 20));
    expect((await p.as(`/v1/webhooks/${made.id}`, { method: "DELETE" })).status).toBe(200);
    await problemOf(await p.as(`/v1/webhooks/${made.id}`, { method: "DELETE" }), 404, "not_found");
    expect((await p.json<{ data: unknown[] }>("/v1/webhooks")).data).toEqual([]);
  });

  it("refuses a URL the outbound guard refuses, and an unknown event type", async () => {
    const p = project();
    const priv = await call(
      new Request("http://gw/v1/webhooks", {
        method: "POST",
        headers: { authorization: `Bearer ${p.key}`, "content-type": "application/json" },
        body: JSON.stringify({ url: "http://127.0.0.1:9/hook" }),
      }),
      { ...p.env, ALLOW_PRIVATE_NETWORK: undefined },
    );
    expect((await problemOf(priv, 400, "invalid_field")).field).toBe("url");
    await problemOf(
      await p.post("/v1/webhooks", { url: "https://example.com/h", events: ["x.y"] }),
      400,
      "invalid_field",
    );
    await problemOf(await p.post("/v1/webhooks", { url: "ftp://example.com/h" }), 400, "invalid_field");
  });
});

describe("events, delivered through the queue", () => {
  it("an upload and its delete reach the endpoint signed, in order, under the request that caused them", async () => {
    const p = project();
    const sink = marker("sink");
    const hook = (await (await p.post("/v1/webhooks", { url: sinkUrl(sink) })).json()) as CreatedWebhook;
    const mark = marker("ev");
    const rid = `req-${crypto.randomUUID()}`;
    const result = await resultOf(await upload(p, mark, { "x-request-id": rid }));
    const deleted = await p.as(`/v1/files/${result.id}`, {
      method: "DELETE",
      headers: { "x-request-id": `${rid}-d` },
    });
    expect(deleted.status).toBe(200);

    const got = await eventually(async () => {
      const a = await arrivals(sink);
      return a.length >= 2 ? a : undefined;
    });
    expect(got).toHaveLength(2);
    const bodies = got.map((a) => JSON.parse(a.body));
    expect(bodies.map((b) => b.type)).toEqual(["upload.completed", "file.deleted"]);
    expect(bodies.map((b) => b.request_id)).toEqual([rid, `${rid}-d`]);
    expect(bodies[0].data).toMatchObject({ id: result.id, upload_id: result.upload_id, provider: "useapi" });
    expect(bodies[0].data.provider_response).toBeUndefined();
    expect(bodies[1].data).toMatchObject({ id: result.id, status: "deleted" });
    for (const a of got) {
      expect(a.headers["webhook-id"]).toMatch(/^evt_/);
      expect(Math.abs(Number(a.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
      expect(a.headers["webhook-signature"]).toBe(await expectedSignature(hook.secret, a));
      expect(JSON.parse(a.body).id).toBe(a.headers["webhook-id"]);
      // The SDK's verifier accepts what the gateway sent, and nothing altered.
      expect((await verifyWebhook(hook.secret, a.headers, a.body)).id).toBe(a.headers["webhook-id"]);
    }
    const [a] = got as [(typeof got)[number]];
    const refused = (p: Promise<unknown>) => expect(p).rejects.toBeInstanceOf(WebhookVerificationError);
    await refused(verifyWebhook(hook.secret, a.headers, a.body.replace("useapi", "fal")));
    await refused(verifyWebhook(`whsec_${btoa("another secret of 32 bytes......")}`, a.headers, a.body));
    await refused(verifyWebhook(hook.secret, a.headers, a.body, { now: Date.now() + 600_000 }));
    await refused(verifyWebhook(hook.secret, { ...a.headers, "webhook-id": "evt_other" }, a.body));
    const headers = new Headers(a.headers);
    headers.set("webhook-signature", `v1,${btoa("x".repeat(32))} ${a.headers["webhook-signature"]}`);
    expect((await verifyWebhook(hook.secret, headers, a.body)).type).toBe("upload.completed");

    // The log shows both, newest first, delivered, each attempt with the endpoint's status code.
    const list = await eventually(async () => {
      const l = await p.json<EventList>(`/v1/events?upload_id=${result.upload_id}`);
      return l.data.every((e) => e.deliveries[0]?.last_status === "delivered") ? l : undefined;
    });
    expect(list.data.map((e) => e.type)).toEqual(["file.deleted", "upload.completed"]);
    expect(list.data[0]?.deliveries).toEqual([
      { webhook_id: hook.id, attempts: 1, last_status: "delivered", delivered_at: expect.any(String) },
    ]);
    const one = await p.json<EventDetail>(`/v1/events/${list.data[1]?.id}`);
    expect(one.attempts).toEqual([
      expect.objectContaining({ webhook_id: hook.id, status: "delivered", status_code: 204, error: null }),
    ]);
    expect(one.data).toMatchObject({ id: result.id });
  });

  it("lists with filters and a cursor; another project's event is unknown; resend delivers again", async () => {
    const p = project();
    const other = project();
    const sink = marker("sink");
    await p.post("/v1/webhooks", { url: sinkUrl(sink), events: ["upload.completed"] });
    const mark = marker("ev");
    for (let i = 0; i < 3; i++) await resultOf(await upload(p, mark));
    const page1 = await p.json<EventList>("/v1/events?limit=2&type=upload.completed");
    expect(page1.data).toHaveLength(2);
    expect(page1.next_cursor).not.toBeNull();
    const page2 = await p.json<EventList>(`/v1/events?limit=2&cursor=${page1.next_cursor}`);
    expect(page2.data).toHaveLength(1);
    expect(page2.next_cursor).toBeNull();
    expect((await p.json<EventList>("/v1/events?type=file.deleted")).data).toEqual([]);
    await problemOf(await p.as("/v1/events?type=nope"), 400, "invalid_field");
    await problemOf(await p.as("/v1/events?since=1"), 400, "invalid_field");

    const first = page2.data[0]?.id as string;
    await problemOf(await other.as(`/v1/events/${first}`), 404, "not_found");
    await problemOf(await other.as(`/v1/events/${first}/resend`, { method: "POST" }), 404, "not_found");
    expect((await other.json<EventList>("/v1/events")).data).toEqual([]);

    await eventually(async () => ((await arrivals(sink)).length === 3 ? true : undefined));
    const resent = await p.as(`/v1/events/${first}/resend`, { method: "POST" });
    expect(resent.status).toBe(202);
    const again = await eventually(async () => {
      const a = (await arrivals(sink)).filter((x) => x.headers["webhook-id"] === first);
      return a.length === 2 ? a : undefined;
    });
    expect(JSON.parse(again[1]?.body ?? "{}").id).toBe(first);
    const detail = await p.json<EventDetail>(`/v1/events/${first}`);
    expect(detail.deliveries[0]).toMatchObject({ attempts: 2, last_status: "delivered" });
  });
});

describe("the SDK's events and webhooks", () => {
  it("creates, lists and deletes an endpoint; lists, reads and resends events; problems are MediagateErrors", async () => {
    const p = project();
    const mg = createMediagate({
      baseUrl: "https://gw.test",
      apiKey: p.key,
      fetch: (input, init) => call(new Request(input, init), p.env),
    });
    const sink = marker("sdk");
    const hook = await mg.webhooks.create({ url: sinkUrl(sink), events: ["upload.completed"] });
    expect(hook.secret).toMatch(/^whsec_/);
    expect((await mg.webhooks.list()).map((w) => w.id)).toEqual([hook.id]);
    const result = await resultOf(await upload(p, marker("sdk")));
    const { data } = await mg.events.list({ upload_id: result.upload_id });
    expect(data.map((e) => e.type)).toEqual(["upload.completed"]);
    const id = data[0]?.id as string;
    await eventually(async () => ((await arrivals(sink)).length === 1 ? true : undefined));
    expect((await mg.events.get(id)).attempts).toHaveLength(1);
    expect((await mg.events.resend(id)).id).toBe(id);
    await eventually(async () => ((await arrivals(sink)).length === 2 ? true : undefined));
    expect((await mg.webhooks.delete(hook.id)).id).toBe(hook.id);
    const missing = await mg.events.get("evt_none").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(MediagateError);
    expect((missing as MediagateError).problem?.code).toBe("not_found");
  });
});
