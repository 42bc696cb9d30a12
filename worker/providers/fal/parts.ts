// Files over MULTIPART_ABOVE go as fal's client sends them (fal-js storage.ts multipartUpload, specs/fal.yaml):
// initiate-multipart, then PUTs of PART_BYTES parts to `{upload_url path}/{n}{query}`, each answering
// { partNumber, etag }, then a POST of the parts to `{upload_url path}/complete{query}`. Each part is cut from
// the stream as it comes: a FixedLengthStream of the part's exact size, fed by one reader, so no more than one
// read's chunk is held (the rest of a chunk that straddles two parts waits for the next part). A part is not
// retried (fal's client retries each three times from the Blob it holds; the gateway holds no part), and a
// failure leaves an upload fal never completes: it documents no call to abort one.
import type { ChunkReader } from "../../core/bytes";
import { readerOf } from "../../core/stages";
import type { AdapterContext, ProviderFailure } from "../kit/types";
import { signedCall, signedUrl } from "./put";

const MiB = 1024 * 1024;
/** fal's client: "Check for 90+ MB file size to do multipart upload" (90 MiB), in 10 MiB parts. */
export const MULTIPART_ABOVE = 90 * MiB;
const PART_BYTES = 10 * MiB;

interface Part {
  partNumber: number;
  etag: string;
}

/** Writes exactly `length` bytes from `reader` (and the `carry` of the last part) into `writable`. */
function partFeeder(reader: ChunkReader) {
  let carry: Uint8Array | undefined;
  return {
    async feed(writable: WritableStream<Uint8Array>, length: number): Promise<void> {
      const writer = writable.getWriter();
      try {
        for (let left = length; left > 0; ) {
          let chunk = carry ?? (await reader.read()).value;
          carry = undefined;
          if (!chunk) throw new Error(`the file ended ${left} bytes short of a part`);
          if (chunk.byteLength > left) {
            carry = chunk.subarray(left);
            chunk = chunk.subarray(0, left);
          }
          left -= chunk.byteLength;
          await writer.write(chunk);
        }
        await writer.close();
      } catch (error) {
        await writer.abort(error).catch(() => {});
        throw error;
      }
    },
    /** Whether the file ended where its size said (a read to its end, so a metered source completes). */
    async ended(): Promise<boolean> {
      return carry === undefined && (await reader.read()).done;
    },
  };
}

export async function putParts(ctx: AdapterContext, target: string): Promise<{ error?: ProviderFailure }> {
  const checked = signedUrl(ctx, target);
  if ("error" in checked) return checked;
  const { origin, pathname, search } = checked.url;
  const reader = readerOf(ctx.file.stream);
  const feeder = partFeeder(reader);
  const parts: Part[] = [];
  const fail = (error: ProviderFailure) => {
    reader.cancel(error.detail).catch(() => {});
    return { error };
  };
  for (let offset = 0, n = 1; offset < ctx.file.size; offset += PART_BYTES, n++) {
    const { readable, writable } = new FixedLengthStream(Math.min(PART_BYTES, ctx.file.size - offset));
    const fed = feeder.feed(writable, Math.min(PART_BYTES, ctx.file.size - offset));
    fed.catch(() => {});
    const sent = await signedCall(
      ctx,
      `${origin}${pathname}/${n}${search}`,
      { method: "PUT", body: readable },
      `part ${n}`,
    );
    if (sent.error) return fail(sent.error);
    await fed;
    let part: Partial<Part> | undefined;
    try {
      part = JSON.parse(sent.text);
    } catch {}
    if (part?.partNumber !== n || typeof part.etag !== "string")
      return fail({ code: "provider_error", detail: `part ${n}: answered without its partNumber and etag` });
    parts.push({ partNumber: n, etag: part.etag });
  }
  if (!(await feeder.ended()))
    return fail({ code: "provider_error", detail: "the file was longer than its size" });
  const body = JSON.stringify({ parts });
  const done = await signedCall(
    ctx,
    `${origin}${pathname}/complete${search}`,
    { method: "POST", body, headers: { "content-type": "application/json" } },
    "complete",
  );
  return done.error ? { error: done.error } : {};
}
