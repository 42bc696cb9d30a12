// Ownership, finding by finding: a ticket is a narrow capability (it dedupes only on the digest it binds,
// and whatever it returns satisfies its rules), uploads and tus resources belong to the key that made them,
// and every provider's record stands alone. Each test here failed on the tree before the ownership model.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { components } from "../generated/gateway";
import { LIMITS } from "../worker/core/limits";
import {
  call,
  emulatorUrl,
  KEY,
  KEY_B,
  marker,
  mintTicket,
  problemOf,
  randomBytes,
  rawRequest,
  receivedWith,
  resultOf,
  sha256,
} from "./helpers";
import { bucket, created, patch, status, stub, TUS } from "./tus/helpers";

type Ticket = components["schemas"]["UploadTicket"];
type UploadResult = components["schemas"]["UploadResult"];
type FileRecord = components["schemas"]["FileRecord"];
type Status = components["schemas"]["UploadStatus"];

const b64 = (hex: string) =>
  btoa(String.fromCharCode(...(hex.match(/../g) ?? []).map((h) => Number.parseInt(h, 16))));
const reprDigest = (hex: string) => `sha-256=:${b64(hex)}:`;

const authed = (path: string, method = "GET", key = KEY) =>
  call(new Request(`http://gw${path}`, { method, headers: { authorization: `Bearer ${key}` } }));

/** The app's PUT to a ticket: no key. */
function put(t: Ticket, bytes: Uint8Array, name: string, headers: Record<string, string> = {}) {
  const url = new URL(t.upload_url);
  url.searchParams.set("filename", name);
  return call(
    new Request(url, {
      method: "PUT",
      headers: { "content-type": "image/png", "content-length": String(bytes.length), ...headers },
      body: bytes,
    }),
  );
}

/** Key A's upload to useapi (it has a delete API), recorded in A's registry. */
async function heldByA(mark: string, bytes = randomBytes(3000), name = `${mark}-held.png`) {
  const res = await call(
    rawRequest("useapi", { filename: name, type: "image/png", bytes, query: { account: mark } }),
  );
  return { result: await resultOf(res), bytes, hex: await sha256(bytes) };
}

describe("a ticket dedupes only on the digest it binds", () => {
  it("the app's own Repr-Digest never reaches the registry: no record of its app comes back, hit or miss alike", async () => {
    const mark = marker("probe");
    const held = await heldByA(mark);
    const t = await mintTicket({ provider: "useapi", account: mark });
    // Probing with a digest the app holds, and with one it does not: the same answer, and neither the
    // held record nor any part of it.
    const decoy = randomBytes(500);
    const hit = await put(t, decoy, `${mark}.png`, { "repr-digest": reprDigest(held.hex) });
    const hitBody = await problemOf(hit, 400, "digest_mismatch");
    expect(JSON.stringify(hitBody)).not.toContain(held.result.reference);
    const miss = await put(t, decoy, `${mark}.png`, { "repr-digest": reprDigest("ab".repeat(32)) });
    await problemOf(miss, 400, "digest_mismatch");
    // A body that is the held file itself is a real upload of the ticket's own, not the other record.
    const real = await resultOf(
      await put(t, held.bytes, `${mark}.png`, { "repr-digest": reprDigest(held.hex) }),
    );
    expect(real).toMatchObject({ id: t.id, upload_id: t.id });
    expect(real.deduplicated).toBeUndefined();
    const sent = (await receivedWith(mark)).filter((r) => r.complete && r.sha256 === held.hex);
    expect(sent).toHaveLength(2);
  });

  it("a record that breaks the ticket's rules (size, type, name) is never returned: the upload goes ahead and is checked", async () => {
    const mark = marker("rules");
    const held = await heldByA(mark, randomBytes(3000), `${mark}-clip.png`);
    // Bound to the held file's digest, but for at most 1,000 bytes; then under a fixed name. The app sends
    // a short body with the bound digest: answered from the registry, that would hand it the held record.
    const small = await mintTicket({ provider: "useapi", account: mark, sha256: held.hex, max_bytes: 1000 });
    const named = await mintTicket({
      provider: "useapi",
      account: mark,
      sha256: held.hex,
      filename: `${mark}-avatar.png`,
    });
    for (const t of [small, named]) {
      const res = await put(t, randomBytes(200), `${mark}-avatar.png`);
      const problem = await problemOf(res, 400, "digest_mismatch");
      expect(JSON.stringify(problem)).not.toContain(held.result.reference);
      const doc = (await (await authed(`/v1/uploads/${t.id}`)).json()) as Status;
      expect(doc.status).toBe("failed");
      expect(doc.result).toBeUndefined();
    }
  });

  it("a hit on the bound digest is the ticket's own record: its id, and deleting it leaves the other's file", async () => {
    const mark = marker("ownrec");
    const held = await heldByA(mark);
    const t = await mintTicket({ provider: "useapi", account: mark, sha256: held.hex });
    const res = await put(t, held.bytes, `${mark}.png`);
    const body = (await res.json()) as UploadResult;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ id: t.id, upload_id: held.result.upload_id, deduplicated: true });
    expect(body.reference).toBe(held.result.reference);
    const doc = (await (await authed(`/v1/uploads/${t.id}`)).json()) as Status;
    expect(doc.result?.id).toBe(t.id);
    // The backend deletes what its ticket returned: the provider's file stays for the other record.
    const before = await deletesAt(held.result.provider_file_id ?? "");
    const gone = (await (await authed(`/v1/files/${t.id}`, "DELETE")).json()) as FileRecord;
    expect(gone).toMatchObject({ id: t.id, status: "deleted", provider_deleted: false });
    expect(await deletesAt(held.result.provider_file_id ?? "")).toBe(before);
    const other = (await (await authed(`/v1/files/${held.result.id}`)).json()) as FileRecord;
    expect(other.status).toBe("uploaded");
  });

  it(`a ticket takes ${LIMITS.ticketAttempts} failed attempts, then it is used up`, async () => {
    const mark = marker("attempts");
    const t = await mintTicket({ provider: "useapi", account: mark });
    const wrong = reprDigest("cd".repeat(32));
    for (let i = 0; i < LIMITS.ticketAttempts; i++)
      await problemOf(
        await put(t, randomBytes(200), `${mark}.png`, { "repr-digest": wrong }),
        400,
        "digest_mismatch",
      );
    const last = await problemOf(await put(t, randomBytes(200), `${mark}.png`), 409, "token_used");
    expect(last.detail).toContain(String(LIMITS.ticketAttempts));
    expect(await receivedWith(mark)).toHaveLength(0);
  });
});

async function deletesAt(providerFileId: string): Promise<number> {
  const calls = (await (await fetch(`${emulatorUrl()}/__sandbox/calls`)).json()) as {
    path: string;
    method: string;
  }[];
  return calls.filter((c) => c.method === "DELETE" && c.path.includes(encodeURIComponent(providerFileId)))
    .length;
}

describe("uploads and tus resources belong to their key", () => {
  it("key B cannot read, retry, HEAD, PATCH or terminate key A's uploads: 404, and nothing changes", async () => {
    const mark = marker("scoped");
    const t = await mintTicket({ provider: "useapi", account: mark, metadata: { secret: mark } });
    const { id, location } = await created(
      { provider: "useapi", filename: `${mark}.png`, filetype: "image/png" },
      3008,
    );
    expect((await patch(location, 0, randomBytes(1000), 1000)).status).toBe(204);
    for (const path of [`/v1/uploads/${t.id}`, `/v1/uploads/${id}`]) {
      const res = await authed(path, "GET", KEY_B);
      expect(await res.text()).not.toContain(mark);
      expect(res.status).toBe(404);
    }
    await problemOf(await authed(`/v1/uploads/${id}/retry`, "POST", KEY_B), 404, "not_found");
    const asB = { ...TUS, authorization: `Bearer ${KEY_B}` };
    const head = await call(new Request(location, { method: "HEAD", headers: asB }));
    expect(head.status).toBe(404);
    expect(head.headers.get("upload-offset")).toBeNull();
    const rest = randomBytes(2008);
    const patched = await call(
      new Request(location, {
        method: "PATCH",
        headers: {
          ...asB,
          "upload-offset": "1000",
          "content-type": "application/offset+octet-stream",
          "content-length": String(rest.length),
        },
        body: rest,
      }),
    );
    await problemOf(patched, 404, "not_found");
    await problemOf(await call(new Request(location, { method: "DELETE", headers: asB })), 404, "not_found");
    // A's upload is as it was: 1,000 bytes in, still receiving, nothing delivered.
    expect(await status(id)).toMatchObject({ status: "receiving", offset: 1000, length: 3008 });
    expect(await receivedWith(mark)).toHaveLength(0);
  });

  it("a tus change to an upload whose record vanished is a 404, not a signed URL's refusal", async () => {
    const mark = marker("vanish");
    const { id, location } = await created(
      { provider: "useapi", filename: `${mark}.png`, filetype: "image/png" },
      1000,
    );
    const body = new TransformStream<Uint8Array, Uint8Array>();
    const writer = body.writable.getWriter();
    const answer = patch(location, 0, body.readable, 1000);
    await writer.write(randomBytes(400));
    // The record goes (purged by its alarm, say) while the PATCH is still receiving.
    await runInDurableObject(stub(id), async (_instance, state) => {
      await state.storage.deleteAll();
    });
    await writer.write(randomBytes(600));
    await writer.close();
    await problemOf(await answer, 404, "not_found");
  });
});

describe("every provider's record stands alone", () => {
  it("deleting one provider's record of a fan-out keeps the staged copy another provider's retry needs", async () => {
    const mark = marker("fanret");
    const bytes = randomBytes(4000);
    // useapi fails once (the sandbox's flaky account), jimmy takes it.
    const { id, location } = await created(
      {
        providers: "jimmy,useapi",
        filename: `${mark}.png`,
        filetype: "image/png",
        account: `${mark}-sandbox-flaky`,
      },
      bytes.length,
    );
    expect((await patch(location, 0, bytes, bytes.length)).status).toBe(204);
    const first = await status(id);
    expect(first.status).toBe("failed");
    const jimmy = first.deliveries?.find((d) => d.provider === "jimmy")?.result;
    expect(jimmy?.upload_id).toBe(id);
    const removed = (await (await authed(`/v1/files/${jimmy?.id}`, "DELETE")).json()) as FileRecord;
    expect(removed.status).toBe("deleted");
    expect(await bucket.head(`uploads/${id}`)).not.toBeNull();
    const retried = (await (await authed(`/v1/uploads/${id}/retry`, "POST")).json()) as Status;
    expect(retried.status).toBe("completed");
    const useapi = retried.deliveries?.find((d) => d.provider === "useapi")?.result;
    expect(useapi?.file.sha256).toBe(await sha256(bytes));
    expect(useapi?.id).not.toBe(jimmy?.id);
  });
});
