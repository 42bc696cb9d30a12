// Answers that reach the client: a lingering close for request bodies (like nginx's lingering_close).
//
// When the gateway decides (a refusal after the form's head, a provider's failure, a signed URL in use)
// while the client is still sending, cancelling the body closes the connection under the client, which then
// reports the broken pipe ("fetch failed" in Node, a send failure in curl, a ConnectionError in Python), never
// the answer; workerd itself lingers only 64 KiB / 1 s after an answer. So a request body with a declared
// length is marked (core/bytes.ts lingerOnStop): the readers that stop reading it release it instead of
// cancelling it. When the answer is ready and the body was read from (or asked to be drained) but not to its
// end, the answer's bytes go out at once and its end is held while the rest of the body is read and dropped,
// up to LIMITS.lingerBytes / lingerMs / lingerIdleMs; then the answer ends (and the connection with it when a
// bound was reached). The body can only be read until the answer is complete ("Can't read from request
// stream after response has been sent"), hence an answer held open rather than a drain after it. A body never
// read is drained the same way: a refusal on the request's head alone (a bad key, an unknown provider, a
// malformed header) also finds the client still sending, and workerd closing under it loses the answer just
// as well (Node fetch: "write EPIPE"). A lying Content-Length ends the drain after lingerIdleMs.
import { declareLength, lingerOnStop, released } from "../core/body";
import { LIMITS } from "../core/limits";

export interface DrainBounds {
  readonly bytes: number;
  readonly ms: number;
  readonly idleMs: number;
}
const BOUNDS: DrainBounds = { bytes: LIMITS.lingerBytes, ms: LIMITS.lingerMs, idleMs: LIMITS.lingerIdleMs };

function declared(request: Request): number | undefined {
  const header = request.headers.get("content-length");
  if (header === null || !/^\d+$/.test(header)) return undefined;
  const n = Number(header);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Reads and drops the rest of `source` within the bounds; cancels it when a bound is reached. */
export async function drain(
  source: ReadableStream<Uint8Array>,
  bounds: DrainBounds = BOUNDS,
): Promise<"drained" | "closed"> {
  let byob: ReadableStreamBYOBReader | undefined;
  let plain: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    byob = source.getReader({ mode: "byob" });
  } catch {
    try {
      plain = source.getReader();
    } catch {
      return "closed"; // locked: not ours to read
    }
  }
  const until = Date.now() + bounds.ms;
  // One buffer for every read: a BYOB read hands it back (transferred), never a new allocation per read.
  let buffer = new Uint8Array(LIMITS.lingerReadBytes);
  let read = 0;
  try {
    for (;;) {
      const wait = Math.min(bounds.idleMs, until - Date.now());
      if (wait <= 0) break;
      let timer: ReturnType<typeof setTimeout> | null = null;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), wait);
      });
      const next = byob ? byob.read(buffer) : (plain as ReadableStreamDefaultReader<Uint8Array>).read();
      const result = await Promise.race([next, timeout]).finally(() => timer !== null && clearTimeout(timer));
      if (result === "timeout") break;
      if (result.done) return "drained";
      read += result.value.byteLength;
      if (byob) buffer = new Uint8Array(result.value.buffer as ArrayBuffer);
      if (read > bounds.bytes) break;
    }
  } catch {
    return "closed"; // the client went away
  }
  await (byob ?? plain)?.cancel().catch(() => {});
  return "closed";
}

/** Marks `request`'s body for a lingering close and notes its length, if declared (a chunked one is cancelled). */
export function lingerOn(request: Request): void {
  const length = declared(request);
  if (length === undefined) return;
  lingerOnStop(request.body);
  declareLength(request.body, length);
}

/** The answer to send: as given, or held open while the rest of the client's body is drained. */
const JSON_ANSWER = /^application\/(problem\+)?json\b/i;

export async function answer(request: Request, response: Response): Promise<Response> {
  const body = request.body;
  const length = declared(request);
  if (body === null || length === undefined) return response;
  // A reader stopped mid-read lets go once that read completes (the client is still sending: soon).
  await Promise.race([released(body), scheduler.wait(LIMITS.lingerIdleMs)]);
  if (body.locked) return response;
  // A body declared larger than the bound can't be drained: closed at once (the answer still goes first).
  const bounds = length > LIMITS.lingerBytes ? { ...BOUNDS, bytes: 0, ms: 0 } : BOUNDS;
  if (response.body === null) {
    await drain(body, bounds);
    return response;
  }
  // Only the gateway's own JSON answers (results and problems: a few KiB) are held back, so reading one
  // whole below stays bounded; any other answer goes as it is.
  if (!JSON_ANSWER.test(response.headers.get("content-type") ?? "")) return response;
  // The answer is small (a problem): its head and all but its last byte go out now, the last byte after
  // the drain. A client whose answer is complete while it is still sending gives up the connection
  // (undici destroys it: "fetch failed"), so the answer completes when the body has been read.
  const bytes = new Uint8Array(await response.arrayBuffer());
  const out = new FixedLengthStream(bytes.byteLength);
  const writer = out.writable.getWriter();
  const last = Math.max(0, bytes.byteLength - 1);
  if (last > 0) writer.write(bytes.subarray(0, last)).catch(() => {});
  drain(body, bounds).finally(() => {
    if (bytes.byteLength > last) writer.write(bytes.subarray(last)).catch(() => {});
    writer.close().catch(() => {});
  });
  return new Response(out.readable, response);
}
