// The provider side reads what the gateway's encoder wrote with parsers the gateway did not write: busboy in
// the test emulator, the sandbox's own reader (sandbox/multipart.ts) under `npm start`. These tests hold
// both to what was sent, and show that an encoder mistake the gateway's own parser would forgive shows up.
import { describe, expect, it } from "vitest";
import { readMultipart } from "../sandbox/multipart";
import { handleSandbox, type Received, SANDBOX_KEYS } from "../sandbox/providers";
import { encodeMultipart } from "../worker/providers/kit/encode";
import { parseMultipart } from "../worker/services/upload/multipart-parser";
import {
  bytesOf,
  call,
  emulatorUrl,
  marker,
  randomBytes,
  rawRequest,
  receivedWith,
  resultOf,
  sha256,
} from "./helpers";

const enc = new TextEncoder();
const JIMMY = "/jimmy/api/open-api/v1/files/upload";
const DIFY = "/dify/v1/files/upload";

/** Filenames that trip naive encoders or parsers, and what a provider reads (browsers' %22 for a quote). */
const TRICKY: [sent: string, received: string][] = [
  ["фото 📷 ü.png", "фото 📷 ü.png"],
  ['say "hi".png', "say %22hi%22.png"],
  ["semi;colon; name=x; filename=y.png", "semi;colon; name=x; filename=y.png"],
  ["it's (1) [a] {b} & c=d+e%20f.png", "it's (1) [a] {b} & c=d+e%20f.png"],
];
// A name with path segments arrives as its last segment (test/filename-paths.test.ts).

/** Streams `bytes` in pieces of the given sizes, cycling (the network decides chunking, not the sender). */
function chunked(bytes: Uint8Array, sizes: number[]): ReadableStream<Uint8Array> {
  let at = 0;
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      const n = sizes[i++ % sizes.length] ?? 1;
      c.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  });
}

/** The gateway's encoder's output, whole: `fields` first, then `name` with `bytes`. */
async function encoded(name: string, bytes: Uint8Array, fields: Record<string, string> = {}) {
  const body = encodeMultipart(
    { ...fields, file: { name, type: "image/png", size: bytes.length, stream: new Blob([bytes]).stream() } },
    new AbortController().signal,
  );
  return { contentType: body.contentType, bytes: await bytesOf(body.stream) };
}

/** Runs the sandbox Worker's handler here, in workerd, with its own reader; returns its answer and record. */
async function sandbox(
  path: string,
  contentType: string,
  body: Uint8Array,
  sizes: number[] = [65536],
): Promise<{ response: Response; record: Received }> {
  let record: Received | undefined;
  const provider = path === DIFY ? "dify" : "jimmy";
  const response = await handleSandbox(
    new Request(`http://sandbox${path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${SANDBOX_KEYS[provider]}`,
        "content-type": contentType,
        "content-length": String(body.length),
      },
      body: chunked(body, sizes),
    }),
    {
      observe: (r) => {
        record = r;
      },
    },
  );
  if (!record) throw new Error("the sandbox recorded nothing");
  return { response, record };
}

/** Sends a body straight to the emulator (busboy), as the gateway's adapter would, and reads its record. */
async function emulator(path: string, contentType: string, body: Uint8Array, mark: string) {
  const provider = path === DIFY ? "dify" : "jimmy";
  const response = await fetch(`${emulatorUrl()}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${SANDBOX_KEYS[provider]}`, "content-type": contentType },
    body,
  });
  const [record] = await receivedWith(mark);
  return { response, record };
}

describe("the emulator (busboy) reads what the gateway sends as it was sent", () => {
  it.each(TRICKY)("the filename %j arrives as %j, with every byte", async (sent, received) => {
    const mark = marker("bb");
    const bytes = randomBytes(3000);
    const result = await resultOf(
      await call(rawRequest("wavespeed", { filename: `${mark} ${sent}`, type: "image/png", bytes })),
    );
    expect(result.file.name).toBe(`${mark} ${sent}`);
    const seen = await receivedWith(mark);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      provider: "wavespeed",
      filename: `${mark} ${received}`,
      fields: {},
      complete: true,
      bytes: 3000,
      sha256: await sha256(bytes),
    });
  });

  it("text fields arrive with their UTF-8 values, before the file", async () => {
    const mark = marker("bbf");
    const user = `ü ∂ \u{1F600} ${mark}`;
    await resultOf(
      await call(rawRequest("dify", { filename: `${mark}.png`, type: "image/png", fields: { user } })),
    );
    const [seen] = await receivedWith(mark);
    expect(seen).toMatchObject({ provider: "dify", fields: { user }, complete: true, bytes: 1000 });
  });

  it("a file part without a filename (an encoder mistake the gateway's own parser forgives) is no file to busboy", async () => {
    const mark = marker("nofn");
    const boundary = `b-${mark}`;
    // What the encoder would send had it dropped `filename=` from the file part.
    const body = enc.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="user"\r\n\r\n${mark}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"\r\nContent-Type: image/png\r\n\r\n` +
        `${"z".repeat(500)}\r\n--${boundary}--\r\n`,
    );
    // The gateway's parser, the encoder's twin, takes the part named "file" as the file all the same...
    const twin = await parseMultipart(new Blob([body]).stream(), boundary, { headBytes: 65536 });
    expect(twin.file?.field).toBe("file");
    expect((await bytesOf(twin.file?.stream ?? new ReadableStream())).length).toBe(500);
    // ...while a provider reading the body on its own finds no file in it.
    const { response, record } = await emulator(
      DIFY,
      `multipart/form-data; boundary=${boundary}`,
      body,
      mark,
    );
    expect(response.status).toBe(400);
    expect(record).toBeUndefined();
    const { response: own, record: ownRecord } = await sandbox(
      DIFY,
      `multipart/form-data; boundary=${boundary}`,
      body,
    );
    expect(own.status).toBe(400);
    expect(ownRecord).toMatchObject({
      filename: null,
      fields: { user: mark, file: "z".repeat(500) },
      bytes: 0,
    });
  });
});

describe("the sandbox Worker's own multipart reader", () => {
  it.each(TRICKY)(
    "reads the gateway encoder's %j as %j, however the body is chunked",
    async (sent, received) => {
      const bytes = randomBytes(8_000);
      const body = await encoded(sent, bytes, { user: "ü ∂ \u{1F600}" });
      for (const sizes of [[65536], [1], [7, 1, 13], [body.bytes.length - 40, 3]]) {
        const { response, record } = await sandbox(DIFY, body.contentType, body.bytes, sizes);
        expect(response.status, JSON.stringify(sizes)).toBe(201);
        expect(record, JSON.stringify(sizes)).toMatchObject({
          filename: received,
          fields: { user: "ü ∂ \u{1F600}" },
          bytes: 8_000,
          sha256: await sha256(bytes),
          complete: true,
          error: null,
        });
      }
    },
  );

  it("agrees with busboy on the same bytes", async () => {
    const mark = marker("agree");
    const bytes = randomBytes(100_000);
    const body = await encoded(`${mark} фото "q".png`, bytes, { user: `u ${mark}` });
    const own = await sandbox(JIMMY, body.contentType, body.bytes);
    const bb = await emulator(JIMMY, body.contentType, body.bytes, mark);
    expect(own.response.status).toBe(200);
    expect(bb.response.status).toBe(200);
    const pick = (r: Received | undefined) => ({
      filename: r?.filename,
      fields: r?.fields,
      bytes: r?.bytes,
      sha256: r?.sha256,
      complete: r?.complete,
    });
    expect(pick(own.record)).toEqual(pick(bb.record));
    expect(pick(own.record)).toEqual({
      filename: `${mark} фото %22q%22.png`,
      fields: { user: `u ${mark}` },
      bytes: 100_000,
      sha256: await sha256(bytes),
      complete: true,
    });
  });

  it("reads a browser's FormData body too (workerd's serializer, not ours)", async () => {
    const form = new FormData();
    form.append("user", "alice");
    const bytes = randomBytes(5000);
    form.append("file", new File([bytes], "clip.png", { type: "image/png" }));
    const response = new Response(form);
    const { record } = await sandbox(
      DIFY,
      response.headers.get("content-type") ?? "",
      new Uint8Array(await response.arrayBuffer()),
      [100],
    );
    expect(record).toMatchObject({
      filename: "clip.png",
      fields: { user: "alice" },
      bytes: 5000,
      sha256: await sha256(bytes),
      complete: true,
    });
  });

  it("a body cut short, or with a part after the file, is unreadable and never complete", async () => {
    const body = await encoded("a.png", randomBytes(5000));
    const cut = await sandbox(JIMMY, body.contentType, body.bytes.slice(0, body.bytes.length - 10));
    expect(cut.response.status).toBe(400);
    expect(cut.record).toMatchObject({ complete: false, sha256: null });
    expect(cut.record.error).toMatch(/body ended/);
    const boundary = body.contentType.split("boundary=")[1] ?? "";
    const closing = enc.encode(`--${boundary}--\r\n`);
    const extra = enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="late"\r\n\r\nx\r\n`);
    const withExtra = new Uint8Array([
      ...body.bytes.slice(0, body.bytes.length - closing.length),
      ...extra,
      ...closing,
    ]);
    const late = await sandbox(JIMMY, body.contentType, withExtra);
    expect(late.response.status).toBe(400);
    expect(late.record).toMatchObject({
      complete: false,
      sha256: null,
      error: expect.stringMatching(/follows/),
    });
  });

  it("streams: the file is pulled from the body as it is read, never buffered whole", async () => {
    const CHUNK = 64 * 1024;
    const CHUNKS = 200;
    const boundary = "stream-test";
    const head = enc.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n\r\n`,
    );
    let pulled = 0;
    const source = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          if (pulled === 0) c.enqueue(head);
          else if (pulled <= CHUNKS) c.enqueue(new Uint8Array(CHUNK).fill(7));
          else {
            c.enqueue(enc.encode(`\r\n--${boundary}--\r\n`));
            c.close();
          }
          pulled++;
        },
      },
      { highWaterMark: 0 },
    );
    const parsed = await readMultipart(source, `multipart/form-data; boundary=${boundary}`);
    expect(parsed.file?.filename).toBe("a.mp4");
    const reader = (parsed.file?.stream ?? new ReadableStream()).getReader();
    let bytes = 0;
    for (let i = 0; i < 5; i++) bytes += (await reader.read()).value?.length ?? 0;
    // Give the reader every chance to run ahead: it must not.
    for (let i = 0; i < 10; i++) await scheduler.wait(2);
    expect(pulled).toBeLessThanOrEqual(8);
    for (let r = await reader.read(); !r.done; r = await reader.read()) bytes += r.value.length;
    expect(bytes).toBe(CHUNK * CHUNKS);
    expect(pulled).toBe(CHUNKS + 2);
  });
});
