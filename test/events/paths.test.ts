// Every path that decides an upload's outcome writes its event, under the request that caused it: a direct
// upload that fails, an import, a ticket's upload, a tus upload that completes and one that fails; and the
// expiry sweep writes one file.expired per expired file, once.
import { describe, expect, inject, it } from "vitest";
import { noteExpired } from "../../worker/services/events/expired";
import { call, gatewayEnv, KEY, marker, mintTicket, randomBytes, rawRequest, resultOf } from "../helpers";
import { created, patch } from "../tus/helpers";
import { type EventDetail, type EventList, project } from "./helpers";

const LENGTH = 2000;

/** The events of `uploadId` in the project `as` reads, oldest first. */
async function eventsOf(json: <T>(path: string) => Promise<T>, uploadId: string) {
  const list = await json<EventList>(`/v1/events?upload_id=${uploadId}`);
  return list.data.reverse();
}

const asKey = project();
/** KEY's project (tickets and tus are minted with it by the shared helpers). */
const keyJson = async <T>(path: string): Promise<T> =>
  (await (
    await call(new Request(`http://gw${path}`, { headers: { authorization: `Bearer ${KEY}` } }))
  ).json()) as T;

describe("upload.completed and upload.failed on every path", () => {
  it("direct: a provider's failure is upload.failed with its problem and the request's id", async () => {
    const mark = marker("fail");
    const res = await call(
      rawRequest("useapi", {
        key: asKey.key,
        filename: `${mark}.png`,
        type: "image/png",
        bytes: randomBytes(500),
        query: { account: `${mark}-sandbox-server-error` },
      }),
      asKey.env,
    );
    expect(res.status).toBe(502);
    const rid = res.headers.get("x-request-id");
    const list = await asKey.json<EventList>("/v1/events?type=upload.failed");
    const failed = list.data.find((e) => e.request_id === rid);
    expect(failed).toMatchObject({ type: "upload.failed", request_id: rid });
    const detail = await asKey.json<EventDetail>(`/v1/events/${failed?.id}`);
    expect(detail.data).toMatchObject({
      provider: "useapi",
      problem: { code: "provider_error", status: 502 },
    });
    expect(detail.data).toHaveProperty("upload_id", failed?.upload_id);
  });

  it("import: upload.completed under the import's request", async () => {
    const res = await call(
      new Request("http://gw/v1/providers/useapi/files", {
        method: "POST",
        headers: { authorization: `Bearer ${asKey.key}`, "content-type": "application/json" },
        body: JSON.stringify({
          url: `${inject("originUrl")}/media/${marker("imp")}.png`,
          account: marker("imp"),
        }),
      }),
      asKey.env,
    );
    const result = await resultOf(res);
    const [event] = await eventsOf(asKey.json, result.upload_id);
    expect(event).toMatchObject({ type: "upload.completed", request_id: res.headers.get("x-request-id") });
  });

  it("ticket: the upload to a signed URL is upload.completed under that request", async () => {
    const mark = marker("tk");
    const ticket = await mintTicket({ provider: "useapi", account: mark });
    const res = await call(
      new Request(`${ticket.upload_url}&filename=${mark}.png`, {
        method: "PUT",
        headers: { "content-type": "image/png", "content-length": "600" },
        body: randomBytes(600),
      }),
    );
    expect(res.status).toBe(201);
    const [event] = await eventsOf(keyJson, ticket.id);
    expect(event).toMatchObject({ type: "upload.completed", upload_id: ticket.id });
    expect(event?.request_id).toBe(res.headers.get("x-request-id"));
  });

  it("tus: the last PATCH's delivery is upload.completed; a provider's failure upload.failed", async () => {
    for (const [account, type] of [
      [marker("tus"), "upload.completed"],
      [`${marker("tus")}-sandbox-server-error`, "upload.failed"],
    ] as const) {
      const up = await created(
        { provider: "useapi", filename: "t.png", filetype: "image/png", account },
        LENGTH,
      );
      const res = await patch(up.location, 0, randomBytes(LENGTH), LENGTH);
      const [event] = await eventsOf(keyJson, up.id);
      expect(event).toMatchObject({ type, upload_id: up.id, request_id: res.headers.get("x-request-id") });
    }
  });
});

describe("file.expired", () => {
  it("the sweep writes one per file whose retention passed, and only once", async () => {
    const result = await resultOf(
      await call(
        rawRequest("replicate", {
          key: asKey.key,
          filename: `${marker("exp")}.png`,
          type: "image/png",
          bytes: randomBytes(400),
        }),
        asKey.env,
      ),
    );
    expect(result.expires_at).not.toBeNull();
    const later = Date.parse(result.expires_at as string) + 1000;
    await noteExpired(gatewayEnv(), later);
    await noteExpired(gatewayEnv(), later + 5000);
    const expired = (await eventsOf(asKey.json, result.upload_id)).filter((e) => e.type === "file.expired");
    expect(expired).toHaveLength(1);
    expect(expired[0]?.request_id).toBeNull();
    const detail = await asKey.json<EventDetail>(`/v1/events/${expired[0]?.id}`);
    expect(detail.data).toMatchObject({
      id: result.id,
      provider: "replicate",
      expires_at: result.expires_at,
    });
  });
});
