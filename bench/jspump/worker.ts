// Reference: the least a Worker that reads an upload in JS can do. The body is read with workerd's
// readAtLeast into a ring of three reused buffers, as the gateway reads (worker/core/bytes.ts, LIMITS
// minReadBytes/maxReadBytes/readRing), and each chunk is written, awaited, into a FixedLengthStream of the
// body's length sent to the sink: no parsing, hashing, sniffing or validation. Its memory beside the bare
// pipe's is the price of reading bytes in JS at all; the gateway's beside it, the price of the gateway's own
// work (README "Benchmark").
import { LIMITS } from "../../worker/core/limits";

interface Env {
  SINK_URL: string;
}
type AtLeast = (min: number, view: Uint8Array) => Promise<ReadableStreamReadResult<Uint8Array>>;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const length = Number(request.headers.get("content-length"));
    if (!request.body || !Number.isSafeInteger(length))
      return new Response("length required\n", { status: 411 });
    const reader = request.body.getReader({ mode: "byob" }) as ReadableStreamBYOBReader & {
      readAtLeast: AtLeast;
    };
    const { readable, writable } = new FixedLengthStream(length);
    const writer = writable.getWriter();
    const ring: ArrayBuffer[] = [];
    const pump = async () => {
      for (let turn = 0; ; turn++) {
        const slot = turn % LIMITS.readRing;
        const buffer = ring[slot] ?? new ArrayBuffer(LIMITS.maxReadBytes);
        const { done, value } = await reader.readAtLeast(LIMITS.minReadBytes, new Uint8Array(buffer));
        if (value && value.byteLength > 0) {
          ring[slot] = value.buffer as ArrayBuffer;
          await writer.write(value);
        }
        if (done) break;
      }
      await writer.close();
    };
    const pumped = pump().catch((error) => writer.abort(error).catch(() => {}));
    const answer = await fetch(`${env.SINK_URL}${url.pathname}${url.search}`, {
      method: "POST",
      headers: { "content-type": request.headers.get("content-type") ?? "application/octet-stream" },
      body: readable,
    });
    await pumped;
    return answer;
  },
} satisfies ExportedHandler<Env>;
