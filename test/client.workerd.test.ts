// @mediagate/client inside workerd (its browser/React Native build: no Node APIs), against the gateway's own
// fetch handler and the provider emulator: a Worker can use the SDK to upload, mint tickets and read errors.
import { describe, expect, it } from "vitest";
import { createMediagate, MediagateError, type Progress, uploadWithTicket } from "../client/src/index";
import { call, KEY, randomBytes, sha256 } from "./helpers";

const gatewayFetch: typeof fetch = (input, init) => call(new Request(input, init));
const mg = createMediagate({ baseUrl: "https://gw.test", apiKey: KEY, fetch: gatewayFetch });

describe("@mediagate/client in workerd", () => {
  it("uploads bytes in one request with Repr-Digest, progress ending at the size", async () => {
    const bytes = randomBytes(300_000);
    const seen: Progress[] = [];
    const out = await mg.upload(bytes, {
      provider: "jimmy",
      filename: "w.png",
      onProgress: (p) => seen.push(p),
    });
    expect(out.transport).toBe("single");
    expect(out.digest_sent).toBe(true);
    expect(out.result?.file.sha256).toBe(await sha256(bytes));
    expect(seen.at(-1)).toMatchObject({ loaded: bytes.length, total: bytes.length, fraction: 1 });
  });

  it("passes Replicate's metadata option on, as the console's generic field does", async () => {
    const out = await mg.upload(randomBytes(2000), {
      provider: "replicate",
      filename: "m.png",
      metadata: '{"from": "sdk"}',
    });
    expect(out.result?.provider_response).toMatchObject({ metadata: { from: "sdk" } });
  });

  it("reads the providers and turns a problem into a typed MediagateError", async () => {
    expect((await mg.providers()).map((p) => p.id)).toContain("minimax");
    const error = await mg
      .upload(randomBytes(1000), { provider: "minimax", filename: "v.mp3" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediagateError);
    expect(error).toMatchObject({ kind: "problem", code: "invalid_field", status: 400 });
    // The gateway names the option (`field`); the SDK's message names it as the SDK's own option.
    expect((error as MediagateError).problem?.field).toBe("purpose");
    expect((error as MediagateError).message).toContain('(in this SDK: the "purpose" option)');
  });

  it("mints a ticket and uploads to it with no key", async () => {
    const ticket = await mg.tickets.create({ provider: "useapi", content_type: "image/png" });
    const bytes = randomBytes(50_000);
    const out = await createMediagate({ baseUrl: "https://gw.test", fetch: gatewayFetch }).uploadWithTicket(
      ticket,
      new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "image/png" }),
      { filename: "t.png" },
    );
    expect(out.result?.file.size).toBe(bytes.length);
    expect((await mg.uploads.get(ticket.id)).status).toBe("completed");
    expect(typeof uploadWithTicket).toBe("function");
  });

  it("uploads to a ticket with a fixed filename: the ticket's name, whatever the input or options say", async () => {
    const ticket = await mg.tickets.create({ provider: "jimmy", filename: "fixed.png" });
    const app = createMediagate({ baseUrl: "https://gw.test", fetch: gatewayFetch });
    const file = new File([randomBytes(20_000) as Uint8Array<ArrayBuffer>], "other.png", {
      type: "image/png",
    });
    expect((await app.uploadWithTicket(ticket, file)).result?.file.name).toBe("fixed.png");
    const next = await mg.tickets.create({ provider: "jimmy", filename: "fixed.png" });
    const out = await app.uploadWithTicket(next, randomBytes(20_000), { filename: "mine.png" });
    expect(out.result?.file.name).toBe("fixed.png");
  });
});
