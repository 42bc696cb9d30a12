// The isolation suite: every operation of specs/gateway.yaml, walked by a second key (B) and by a ticket
// (a narrower capability of A's own project) against key A's resources. The answer must be a 404, a 401
// or the ticket's refusal, and A's resources must be as they were. The table is checked against the spec
// and the spec against the router: an operation added without an entry here fails the first test.
import { afterAll, describe, expect, it } from "vitest";
import type { components } from "../generated/gateway";
import spec from "../generated/gateway.openapi.json";
import { router } from "../worker/index";
import { signContentUrl } from "../worker/services/staging/signed-url";
import {
  call,
  emulatorUrl,
  KEY,
  KEY_B,
  marker,
  mintTicket,
  randomBytes,
  rawRequest,
  resultOf,
  SIGNING_SECRET,
  sha256,
} from "./helpers";
import { created, patch, status, TUS } from "./tus/helpers";

type Ticket = components["schemas"]["UploadTicket"];
type FileRecord = components["schemas"]["FileRecord"];
type FileList = components["schemas"]["FileList"];
type EventList = components["schemas"]["EventList"];

const LENGTH = 3000;

/** Key A's resources, made once through the real routes. */
interface World {
  mark: string;
  file: FileRecord;
  fileSha: string;
  ticket: Ticket;
  /** Another ticket of A's: the caller holding a narrower capability. */
  other: Ticket;
  tus: { id: string; location: string };
  /** A signed content URL for another id than the one it is used on. */
  contentUrl: string;
  /** A key of A's project, made with POST /v1/keys (only its id and prefix are shown after that). */
  key: { id: string; prefix: string; key: string };
  /** A's webhook endpoint, and the event A's upload wrote. */
  webhook: { id: string; secret: string };
  eventId: string;
}

const as = (key: string | null, path: string, init: RequestInit = {}) =>
  call(
    new Request(new URL(path, "http://gw"), {
      ...init,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(init.headers as Record<string, string>),
      },
    }),
  );
const json = async <T>(res: Response) => (await res.json()) as T;
const tokenOf = (t: Ticket) => new URL(t.upload_url).searchParams.get("token") ?? "";

let world: Promise<World> | undefined;
function setUp(): Promise<World> {
  world ??= (async () => {
    const mark = marker("iso");
    const bytes = randomBytes(2000);
    const result = await resultOf(
      await call(
        rawRequest("useapi", {
          filename: `${mark}.png`,
          type: "image/png",
          bytes,
          // Kept (beyond any sweep clock another test moves): B's copies, refreshes and digests must
          // never reach A's original.
          query: { account: mark, keep_days: "30" },
        }),
      ),
    );
    const file = await json<FileRecord>(await as(KEY, `/v1/files/${result.id}`));
    const ticket = await mintTicket({ provider: "useapi", account: mark, metadata: { mark } });
    const other = await mintTicket({ provider: "useapi", account: mark });
    const tus = await created(
      { provider: "useapi", filename: `${mark}.png`, filetype: "image/png", account: mark },
      LENGTH,
    );
    expect((await patch(tus.location, 0, randomBytes(1000), 1000)).status).toBe(204);
    const contentUrl = await signContentUrl(
      "http://gw",
      other.id,
      new Date(Date.now() + 60_000),
      SIGNING_SECRET,
    );
    const key = await json<World["key"]>(
      await as(KEY, "/v1/keys", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: `${mark}-key` }),
      }),
    );
    // A's project has a quota (high enough to bind nothing here) that B must neither see nor change.
    const project = await as(KEY, "/v1/project", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ quotas: { concurrent_uploads: 987 } }),
    });
    expect(project.status).toBe(200);
    const webhook = await json<World["webhook"]>(
      await as(KEY, "/v1/webhooks", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ url: `${emulatorUrl()}/__callbacks/${mark}`, events: ["file.expired"] }),
      }),
    );
    const events = await json<EventList>(await as(KEY, `/v1/events?upload_id=${file.upload_id}`));
    const eventId = events.data[0]?.id ?? "";
    expect(eventId).toMatch(/^evt_/);
    return {
      mark,
      file,
      fileSha: await sha256(bytes),
      ticket,
      other,
      tus,
      contentUrl,
      key,
      webhook,
      eventId,
    };
  })();
  return world;
}

/** What must hold after any caller's attempt: A's resources as they were. */
async function unchanged(w: World): Promise<void> {
  expect(await json<FileRecord>(await as(KEY, `/v1/files/${w.file.id}`))).toMatchObject({
    status: "uploaded",
    provider_deleted: null,
    original: { kept: true },
  });
  expect((await status(w.ticket.id)).status).toBe("pending");
  expect(await status(w.tus.id)).toMatchObject({ status: "receiving", offset: 1000, length: LENGTH });
  // A's runtime key still works and still sees A's file; A's project keeps its quotas.
  expect((await as(w.key.key, `/v1/files/${w.file.id}`)).status).toBe(200);
  expect(await json(await as(KEY, "/v1/project"))).toMatchObject({ quotas: { concurrent_uploads: 987 } });
  // A's endpoint is still registered, and A's event still A's, undelivered to anyone else.
  expect(JSON.stringify(await json(await as(KEY, "/v1/webhooks")))).toContain(w.webhook.id);
  expect(await json(await as(KEY, `/v1/events/${w.eventId}`))).toMatchObject({ id: w.eventId, attempts: [] });
}

// A's endpoint goes with the run (a project holds a bounded number, and the local D1 outlives runs).
afterAll(async () => {
  if (world) await as(KEY, `/v1/webhooks/${(await world).webhook.id}`, { method: "DELETE" });
});

type Check = (w: World) => Promise<void>;
/** Each caller's attempt and what it must get; `null`: the operation touches no owned resource (why given). */
type Entry = { readonly keyB: Check; readonly ticket: Check } | { readonly none: string };

const statusOf = async (res: Response, expected: number[], codes?: string[]) => {
  const text = await res.text();
  expect(expected, `${res.status} ${text}`).toContain(res.status);
  if (codes) expect(codes).toContain((JSON.parse(text) as { code: string }).code);
  return text;
};
/** A ticket's token is no gateway key, as a bearer or as ?token=. */
const ticketRefused =
  (method: string, path: (w: World) => string, init: RequestInit = {}) =>
  async (w: World) => {
    for (const url of [path(w), `${path(w)}${path(w).includes("?") ? "&" : "?"}token=${tokenOf(w.other)}`]) {
      await statusOf(await as(tokenOf(w.other), url, { method, ...init }), [401], ["unauthorized"]);
    }
  };
const tusHeaders = (key: string) => ({ ...TUS, authorization: `Bearer ${key}` });
const patchInit = (headers: Record<string, string>) => ({
  method: "PATCH",
  headers: {
    ...headers,
    "upload-offset": "1000",
    "content-type": "application/offset+octet-stream",
    "content-length": "500",
  },
  body: randomBytes(500),
});
/** A's tus upload through another upload's ticket: the ticket's refusal. */
const tusByTicket = (init: (h: Record<string, string>) => RequestInit) => async (w: World) => {
  const url = `${w.tus.location}?token=${tokenOf(w.other)}`;
  await statusOf(await call(new Request(url, init({ ...TUS }))), [401, 404], ["invalid_token", "not_found"]);
};

const TABLE: Record<string, Entry> = {
  "GET /healthz": { none: "liveness: no resource" },
  "GET /openapi.json": { none: "the public contract" },
  "GET /v1/providers": { none: "the gateway's provider table, the same for every key" },
  "OPTIONS /v1/uploads/{id}/file": { none: "CORS preflight: headers only" },
  "OPTIONS /v1/tus": { none: "tus discovery: the server's capabilities" },
  "OPTIONS /v1/tus/{id}": { none: "tus discovery: the server's capabilities" },
  "POST /v1/providers/{provider}/files": {
    // B's upload is B's: recorded under B, invisible to A; with the digest of A's file, B uploads for real.
    keyB: async (w) => {
      const bytes = randomBytes(500);
      const res = await call(
        rawRequest("useapi", {
          key: KEY_B,
          filename: `${w.mark}-b.png`,
          type: "image/png",
          bytes,
          query: { account: w.mark, sha256: w.fileSha },
        }),
      );
      await statusOf(res, [400], ["digest_mismatch"]);
    },
    ticket: ticketRefused("POST", () => "/v1/providers/useapi/files", { body: randomBytes(10) }),
  },
  "GET /v1/files": {
    keyB: async (w) => {
      for (const q of [
        "",
        `?sha256=${w.fileSha}`,
        `?upload_id=${w.file.upload_id}`,
        "?provider=useapi&limit=100",
      ]) {
        const list = await json<FileList>(await as(KEY_B, `/v1/files${q}`));
        expect(list.data.map((r) => r.id)).not.toContain(w.file.id);
      }
    },
    ticket: ticketRefused("GET", () => "/v1/files"),
  },
  "GET /v1/files/{id}": {
    keyB: async (w) => void (await statusOf(await as(KEY_B, `/v1/files/${w.file.id}`), [404], ["not_found"])),
    ticket: ticketRefused("GET", (w) => `/v1/files/${w.file.id}`),
  },
  "DELETE /v1/files/{id}": {
    keyB: async (w) => {
      await statusOf(await as(KEY_B, `/v1/files/${w.file.id}`, { method: "DELETE" }), [404], ["not_found"]);
    },
    ticket: ticketRefused("DELETE", (w) => `/v1/files/${w.file.id}`),
  },
  "POST /v1/files/{id}/copies": {
    keyB: async (w) => {
      const init = { method: "POST", headers: { "content-type": "application/json" } };
      const body = JSON.stringify({ provider: "useapi", account: w.mark });
      await statusOf(
        await as(KEY_B, `/v1/files/${w.file.id}/copies`, { ...init, body }),
        [404],
        ["not_found"],
      );
    },
    ticket: ticketRefused("POST", (w) => `/v1/files/${w.file.id}/copies`, { body: '{"provider":"useapi"}' }),
  },
  "POST /v1/files/{id}/refresh": {
    keyB: async (w) => {
      const init = { method: "POST", headers: { "content-type": "application/json" }, body: "{}" };
      await statusOf(await as(KEY_B, `/v1/files/${w.file.id}/refresh`, init), [404], ["not_found"]);
    },
    ticket: ticketRefused("POST", (w) => `/v1/files/${w.file.id}/refresh`, { body: "{}" }),
  },
  "POST /v1/uploads": {
    // B's ticket for the digest of A's file learns nothing of it.
    keyB: async (w) => {
      const t = await mintTicket({ provider: "useapi", account: w.mark, sha256: w.fileSha }, KEY_B);
      expect(t.existing).toBeUndefined();
    },
    ticket: ticketRefused("POST", () => "/v1/uploads", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ provider: "useapi" }),
    }),
  },
  "GET /v1/uploads/{id}": {
    keyB: async (w) => {
      for (const id of [w.ticket.id, w.tus.id]) {
        const text = await statusOf(await as(KEY_B, `/v1/uploads/${id}`), [404], ["not_found"]);
        expect(text).not.toContain(w.mark);
      }
    },
    ticket: ticketRefused("GET", (w) => `/v1/uploads/${w.ticket.id}`),
  },
  "POST /v1/uploads/{id}/retry": {
    keyB: async (w) => {
      for (const id of [w.ticket.id, w.tus.id])
        await statusOf(await as(KEY_B, `/v1/uploads/${id}/retry`, { method: "POST" }), [404], ["not_found"]);
    },
    ticket: ticketRefused("POST", (w) => `/v1/uploads/${w.tus.id}/retry`),
  },
  "GET /v1/keys": {
    keyB: async (w) => {
      const list = await as(KEY_B, "/v1/keys");
      const text = await statusOf(list, [200]);
      expect(text).not.toContain(w.key.id);
      expect(text).not.toContain(w.key.prefix);
    },
    ticket: ticketRefused("GET", () => "/v1/keys"),
  },
  "POST /v1/keys": {
    // B's new key belongs to B's project: it sees none of A's and A's list does not show it.
    keyB: async (w) => {
      const made = await as(KEY_B, "/v1/keys", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: `${w.mark}-b` }),
      });
      const b = JSON.parse(await statusOf(made, [201])) as World["key"];
      await statusOf(await as(b.key, `/v1/files/${w.file.id}`), [404], ["not_found"]);
      expect(await statusOf(await as(KEY, "/v1/keys"), [200])).not.toContain(b.id);
    },
    ticket: ticketRefused("POST", () => "/v1/keys", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "by-ticket" }),
    }),
  },
  "DELETE /v1/keys/{id}": {
    keyB: async (w) => {
      await statusOf(await as(KEY_B, `/v1/keys/${w.key.id}`, { method: "DELETE" }), [404], ["not_found"]);
    },
    ticket: ticketRefused("DELETE", (w) => `/v1/keys/${w.key.id}`),
  },
  "GET /v1/usage": {
    keyB: async (w) => {
      const usage = JSON.parse(await statusOf(await as(KEY_B, `/v1/usage?key=${w.key.id}`), [200]));
      expect(usage).toEqual({ data: [] });
    },
    ticket: ticketRefused("GET", () => "/v1/usage"),
  },
  "GET /v1/events": {
    keyB: async (w) => {
      for (const q of ["", `?upload_id=${w.file.upload_id}`, "?type=upload.completed&limit=100"])
        expect(await statusOf(await as(KEY_B, `/v1/events${q}`), [200])).not.toContain(w.eventId);
    },
    ticket: ticketRefused("GET", () => "/v1/events"),
  },
  "GET /v1/events/{id}": {
    keyB: async (w) =>
      void (await statusOf(await as(KEY_B, `/v1/events/${w.eventId}`), [404], ["not_found"])),
    ticket: ticketRefused("GET", (w) => `/v1/events/${w.eventId}`),
  },
  "POST /v1/events/{id}/resend": {
    keyB: async (w) => {
      const res = await as(KEY_B, `/v1/events/${w.eventId}/resend`, { method: "POST" });
      await statusOf(res, [404], ["not_found"]);
    },
    ticket: ticketRefused("POST", (w) => `/v1/events/${w.eventId}/resend`),
  },
  "GET /v1/webhooks": {
    keyB: async (w) => {
      const text = await statusOf(await as(KEY_B, "/v1/webhooks"), [200]);
      expect(text).not.toContain(w.webhook.id);
      expect(text).not.toContain(w.mark);
    },
    ticket: ticketRefused("GET", () => "/v1/webhooks"),
  },
  "POST /v1/webhooks": {
    // B's endpoint is B's: A's list does not show it, and A's events do not go to it.
    keyB: async (w) => {
      const made = await as(KEY_B, "/v1/webhooks", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ url: `${emulatorUrl()}/__callbacks/${w.mark}-b` }),
      });
      const b = JSON.parse(await statusOf(made, [201])) as World["webhook"];
      expect(await statusOf(await as(KEY, "/v1/webhooks"), [200])).not.toContain(b.id);
      await statusOf(await as(KEY_B, `/v1/webhooks/${b.id}`, { method: "DELETE" }), [200]);
    },
    ticket: ticketRefused("POST", () => "/v1/webhooks", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: "https://example.com/hook" }),
    }),
  },
  "DELETE /v1/webhooks/{id}": {
    keyB: async (w) => {
      await statusOf(
        await as(KEY_B, `/v1/webhooks/${w.webhook.id}`, { method: "DELETE" }),
        [404],
        ["not_found"],
      );
    },
    ticket: ticketRefused("DELETE", (w) => `/v1/webhooks/${w.webhook.id}`),
  },
  "GET /v1/audit": {
    keyB: async (w) => {
      expect(await statusOf(await as(KEY_B, "/v1/audit?limit=100"), [200])).not.toContain(w.key.id);
    },
    ticket: ticketRefused("GET", () => "/v1/audit"),
  },
  "GET /v1/project": {
    // B sees B's project: none of A's quotas.
    keyB: async () => {
      const project = JSON.parse(await statusOf(await as(KEY_B, "/v1/project"), [200]));
      expect(project.quotas).not.toHaveProperty("concurrent_uploads", 987);
    },
    ticket: ticketRefused("GET", () => "/v1/project"),
  },
  "PUT /v1/project": {
    // B's quotas are B's project's: A's are as they were.
    keyB: async () => {
      const put = await as(KEY_B, "/v1/project", {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ quotas: { max_file_bytes: 1 } }),
      });
      await statusOf(put, [200]);
      const cleared = await as(KEY_B, "/v1/project", {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ quotas: {} }),
      });
      await statusOf(cleared, [200]);
    },
    ticket: ticketRefused("PUT", () => "/v1/project", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ quotas: {} }),
    }),
  },
  "PUT /v1/uploads/{id}/file": {
    // The token is the credential: a key is none, and another upload's token is refused.
    keyB: async (w) => {
      const res = await as(KEY_B, `/v1/uploads/${w.ticket.id}/file?filename=${w.mark}.png`, {
        method: "PUT",
        headers: { "content-type": "image/png" },
        body: randomBytes(100),
      });
      await statusOf(res, [401], ["invalid_token"]);
    },
    ticket: async (w) => {
      const res = await as(
        null,
        `/v1/uploads/${w.ticket.id}/file?token=${tokenOf(w.other)}&filename=${w.mark}.png`,
        {
          method: "PUT",
          headers: { "content-type": "image/png" },
          body: randomBytes(100),
        },
      );
      await statusOf(res, [401], ["invalid_token"]);
    },
  },
  "POST /v1/uploads/{id}/file": {
    keyB: async (w) => {
      const form = new FormData();
      form.append("file", new File([randomBytes(100)], `${w.mark}.png`, { type: "image/png" }));
      const res = await as(KEY_B, `/v1/uploads/${w.ticket.id}/file`, { method: "POST", body: form });
      await statusOf(res, [401], ["invalid_token"]);
    },
    ticket: async (w) => {
      const form = new FormData();
      form.append("file", new File([randomBytes(100)], `${w.mark}.png`, { type: "image/png" }));
      const url = `/v1/uploads/${w.ticket.id}/file?token=${tokenOf(w.other)}`;
      await statusOf(await as(null, url, { method: "POST", body: form }), [401], ["invalid_token"]);
    },
  },
  "POST /v1/tus": {
    // B's upload is B's: A's key does not see it.
    keyB: async () => {
      const res = await call(
        new Request("http://gw/v1/tus", {
          method: "POST",
          headers: {
            ...tusHeaders(KEY_B),
            "upload-length": "100",
            "upload-metadata": `provider ${btoa("useapi")},filename ${btoa("b.png")},filetype ${btoa("image/png")}`,
          },
        }),
      );
      expect(res.status).toBe(201);
      const location = res.headers.get("location") ?? "";
      await statusOf(await call(new Request(location, { method: "HEAD", headers: tusHeaders(KEY) })), [404]);
    },
    // A ticket creates only its own upload: naming another provider is refused.
    ticket: async (w) => {
      const res = await call(
        new Request(w.other.tus_url ?? "", {
          method: "POST",
          headers: {
            ...TUS,
            "upload-length": "100",
            "upload-metadata": `provider ${btoa("jimmy")},filename ${btoa("b.png")},filetype ${btoa("image/png")}`,
          },
        }),
      );
      await statusOf(res, [400], ["invalid_field"]);
    },
  },
  "HEAD /v1/tus/{id}": {
    keyB: async (w) => {
      const res = await call(new Request(w.tus.location, { method: "HEAD", headers: tusHeaders(KEY_B) }));
      await statusOf(res, [404]);
      expect(res.headers.get("upload-offset")).toBeNull();
    },
    ticket: async (w) => {
      const res = await call(
        new Request(`${w.tus.location}?token=${tokenOf(w.other)}`, { method: "HEAD", headers: TUS }),
      );
      expect([401, 404]).toContain(res.status);
      expect(res.headers.get("upload-offset")).toBeNull();
    },
  },
  "PATCH /v1/tus/{id}": {
    keyB: async (w) => {
      const res = await call(new Request(w.tus.location, patchInit(tusHeaders(KEY_B))));
      await statusOf(res, [404], ["not_found"]);
    },
    ticket: tusByTicket((h) => patchInit(h)),
  },
  "DELETE /v1/tus/{id}": {
    keyB: async (w) => {
      const res = await call(new Request(w.tus.location, { method: "DELETE", headers: tusHeaders(KEY_B) }));
      await statusOf(res, [404], ["not_found"]);
    },
    ticket: tusByTicket((h) => ({ method: "DELETE", headers: h })),
  },
  "POST /v1/tus/{id}": {
    keyB: async (w) => {
      const headers = { ...tusHeaders(KEY_B), "x-http-method-override": "DELETE" };
      await statusOf(
        await call(new Request(w.tus.location, { method: "POST", headers })),
        [404],
        ["not_found"],
      );
    },
    ticket: tusByTicket((h) => ({ method: "POST", headers: { ...h, "x-http-method-override": "DELETE" } })),
  },
  "GET /v1/files/{id}/content": {
    // The signed URL is the credential: one signed for another id opens nothing, key or no key.
    keyB: async (w) => {
      const url = w.contentUrl.replace(w.other.id, w.tus.id);
      await statusOf(await as(KEY_B, url), [401], ["invalid_token"]);
    },
    ticket: async (w) => {
      const url = `${w.contentUrl.replace(w.other.id, w.file.id)}&token=${tokenOf(w.other)}`;
      await statusOf(await as(null, url), [401], ["invalid_token"]);
    },
  },
  "HEAD /v1/files/{id}/content": {
    keyB: async (w) => {
      const res = await as(KEY_B, w.contentUrl.replace(w.other.id, w.tus.id), { method: "HEAD" });
      expect(res.status).toBe(401);
    },
    ticket: async (w) => {
      const res = await as(null, w.contentUrl.replace(w.other.id, w.file.id), { method: "HEAD" });
      expect(res.status).toBe(401);
    },
  },
};

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch"];
const operations = Object.entries(spec.paths as Record<string, Record<string, unknown>>).flatMap(
  ([path, item]) =>
    Object.keys(item)
      .filter((m) => METHODS.includes(m))
      .map((m) => `${m.toUpperCase()} ${path}`),
);

describe("the isolation table", () => {
  it("has an entry for every operation in specs/gateway.yaml, and none it lacks", () => {
    expect(Object.keys(TABLE).sort()).toEqual([...operations].sort());
  });

  it("every route the router serves is an operation of the spec", () => {
    const served = router.routes
      .map(([method, , , path]) => `${method} ${(path ?? "").replace(/:(\w+)/g, "{$1}")}`)
      .filter((route) => !route.includes("*") && !route.startsWith("ALL "));
    expect(served.filter((route) => !operations.includes(route))).toEqual([]);
  });
});

describe.each(
  Object.entries(TABLE).filter((e): e is [string, Exclude<Entry, { none: string }>] => !("none" in e[1])),
)("%s", (_operation, entry) => {
  it("key B: refused as unknown, and A's resources are as they were", async () => {
    const w = await setUp();
    await entry.keyB(w);
    await unchanged(w);
  });
  it("a ticket: refused, and A's resources are as they were", async () => {
    const w = await setUp();
    await entry.ticket(w);
    await unchanged(w);
  });
});
