// Who asks an upload's Durable Object, on a tus request (HEAD, PATCH, DELETE arrive as fetches, not RPC):
// the Worker names the caller in a header it always sets itself, over anything the client sent under that
// name (http/routes/tus.ts), and the object checks it against the upload's owner (records/record.ts permits).
import type { Caller } from "../records/record";

export const CALLER_HEADER = "x-mediagate-caller";

/** The caller the Worker named; undefined (no one: every upload is unknown to it) when absent or malformed. */
export function callerOf(request: Request): Caller | undefined {
  try {
    const caller = JSON.parse(request.headers.get(CALLER_HEADER) ?? "null");
    if (typeof caller?.owner === "string") return { owner: caller.owner };
    if (typeof caller?.upload === "string") return { upload: caller.upload };
  } catch {}
  return undefined;
}
