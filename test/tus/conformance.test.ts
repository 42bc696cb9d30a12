// tus 1.0.0 as the protocol says (https://tus.io/protocols/resumable-upload): Upload-Metadata on HEAD,
// X-HTTP-Method-Override for every method, termination of finished uploads, and the empty PATCH at the end.
import { describe, expect, it } from "vitest";
import { stagedKey } from "../../worker/services/staging/staged";
import { call, marker, problemOf, randomBytes, receivedWith } from "../helpers";
import { auth, bucket, create, created, head, metadata, patch, status, TUS } from "./helpers";

describe("HEAD carries Upload-Metadata as given at creation", () => {
  it("the header comes back byte for byte, empty values and order kept", async () => {
    const given = `${metadata({ provider: "useapi", filename: "a b.png" })},flag,filetype aW1hZ2UvcG5n`;
    const res = await create({}, 2000, { "upload-metadata": given });
    expect(res.status, await res.clone().text()).toBe(201);
    const location = res.headers.get("location") ?? "";
    const h = await head(location);
    expect(h.status).toBe(200);
    expect(h.headers.get("upload-metadata")).toBe(given);
    expect(h.headers.get("upload-length")).toBe("2000");
  });
});

describe("X-HTTP-Method-Override is the request's method, for every method", () => {
  const send = (url: string, method: string, override: string, headers: Record<string, string> = {}) =>
    call(
      new Request(url, {
        method,
        headers: { ...TUS, ...auth, "x-http-method-override": override, ...headers },
      }),
    );

  it("GET + OPTIONS is discovery; POST + HEAD answers the offset; GET + DELETE terminates", async () => {
    const options = await send("http://gw/v1/tus", "GET", "OPTIONS");
    expect(options.status).toBe(204);
    expect(options.headers.get("tus-extension")).toContain("creation");
    const { location, id } = await created({ provider: "useapi", filename: "a.png" }, 2000);
    expect((await patch(location, 0, randomBytes(700), 700)).status).toBe(204);
    const viaGet = await send(location, "GET", "OPTIONS");
    expect(viaGet.status).toBe(204);
    const h = await send(location, "POST", "HEAD");
    expect(h.status).toBe(200);
    expect(h.headers.get("upload-offset")).toBe("700");
    expect(h.headers.get("upload-length")).toBe("2000");
    expect((await send(location, "GET", "DELETE")).status).toBe(204);
    expect((await head(location)).status).toBe(410);
    expect(await bucket.list({ prefix: stagedKey(id) })).toMatchObject({ objects: [] });
  });

  it("a method an upload has no use for is 405 with Allow, whatever carried it", async () => {
    const { location } = await created({ provider: "useapi", filename: "a.png" }, 2000);
    for (const [method, override] of [
      ["POST", "GET"],
      ["POST", "PUT"],
      ["POST", "BREW"],
    ] as const) {
      const res = await send(location, method, override);
      await problemOf(res, 405, "method_not_allowed");
      expect(res.headers.get("allow")).toContain("PATCH");
    }
  });
});

describe("a finished upload", () => {
  const finished = async () => {
    const bytes = randomBytes(3000);
    const name = `${marker("fin")}.png`;
    const { location, id } = await created({ provider: "jimmy", filename: name }, bytes.length);
    expect((await patch(location, 0, bytes, bytes.length)).status).toBe(204);
    expect((await status(id)).status).toBe("completed");
    return { location, id, name };
  };

  it("a zero-length PATCH at its final offset is 204 and changes nothing; any other PATCH is 409", async () => {
    const { location, id, name } = await finished();
    const again = await patch(location, 3000, new Uint8Array(0), 0);
    expect(again.status).toBe(204);
    expect(again.headers.get("upload-offset")).toBe("3000");
    await problemOf(await patch(location, 3000, randomBytes(1), 1), 409, "upload_complete");
    await problemOf(await patch(location, 2000, new Uint8Array(0), 0), 409, "upload_complete");
    expect(await status(id)).toMatchObject({ status: "completed", offset: 3000 });
    expect(await receivedWith(name.replace(".png", ""))).toHaveLength(1);
  });

  it("DELETE is 204: the tus resource ends, the outcome stays, and the staged copy nobody points to goes", async () => {
    const { location, id } = await finished();
    expect(await bucket.head(stagedKey(id))).not.toBeNull();
    const del = await call(new Request(location, { method: "DELETE", headers: { ...TUS, ...auth } }));
    expect(del.status).toBe(204);
    expect(await bucket.head(stagedKey(id))).toBeNull();
    expect((await head(location)).status).toBe(410);
    await problemOf(await patch(location, 3000, new Uint8Array(0), 0), 410, "upload_gone");
    const after = await status(id);
    expect(after.status).toBe("completed");
    expect(after.result?.provider).toBe("jimmy");
  });
});
