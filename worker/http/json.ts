// JSON request bodies, read with a byte count: a body over the limit is refused as soon as the count
// passes it (Content-Length, when sent, is checked first), and the rest is never parsed: a body of declared
// length is left to the lingering close (http/linger.ts), which drops it within bounds so the refusal
// reaches a client still sending; a chunked one is cancelled. A chunked body declares no size, so only
// counting while reading bounds what it costs (request.json() reads it all).
//
// Too large is a 400 malformed_body carrying max_bytes, as an oversized Content-Length has always been
// answered here: the body of a JSON request is not a file (file_too_large, 413, means the upload), and one
// code for both spellings of "too large" keeps the contract clients already branch on.
import { stopReading } from "../core/body";
import { GatewayError } from "../core/errors";
import { LIMITS } from "../core/limits";

const tooLarge = (limit: number) =>
  new GatewayError("malformed_body", `The JSON body is larger than ${limit} bytes.`, {
    extras: { max_bytes: limit },
  });

/** Reads and parses a JSON body of at most `limit` bytes. */
export async function readJson(request: Request, limit: number = LIMITS.jsonBodyBytes): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) {
    await stopReading(request.body);
    throw tooLarge(limit);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        throw new GatewayError("malformed_body", "The request body could not be read.", { cause: error });
      }
      if (next.done) break;
      size += next.value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge(limit);
      }
      chunks.push(next.value);
    }
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new GatewayError("malformed_body", "The body is not UTF-8: send JSON in UTF-8.");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GatewayError("malformed_body", `The body is not valid JSON ${where(text, error)}.`);
  }
}

/**
 * Where a JSON parse failed, as line and column counted here from the parser's offset (V8 reports "at
 * position N"); never the parser's own message, which quotes the body back.
 */
function where(text: string, error: unknown): string {
  const match = /position (\d+)/.exec(String(error));
  if (!match?.[1]) return text.trim() === "" ? "(it is empty)" : "(it ends early or is not JSON)";
  const at = Math.min(Number(match[1]), text.length);
  const before = text.slice(0, at);
  const line = before.split("\n").length;
  const column = at - before.lastIndexOf("\n");
  return `at line ${line}, column ${column}`;
}

/** A JSON object body; any other JSON value is malformed. */
export async function readJsonObject(
  request: Request,
  limit: number = LIMITS.jsonBodyBytes,
): Promise<Record<string, unknown>> {
  const body = await readJson(request, limit);
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new GatewayError("malformed_body", "Send a JSON object.");
  return body as Record<string, unknown>;
}
