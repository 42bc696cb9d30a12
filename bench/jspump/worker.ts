// Reference: the least a Worker that reads an upload in JS can do. The body is read by the gateway's own
// reader (worker/core/bytes.ts chunkReader with recycle: readAtLeast into a ring of reused buffers), and each
// chunk is written, awaited, into a FixedLengthStream of the body's length sent to the sink: no parsing,
// hashing, sniffing or validation. Its memory beside the bare pipe's is the price of reading bytes in JS at
// all; the gateway's beside it, the price of the gateway's own work (docs/benchmark.md).
import { chunkReader } from "../../worker/core/bytes";

interface Env {
  SINK_URL: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const length = Number(request.headers.get("content-length"));
    if (!request.body || !Number.isSafeInteger(length))
      return new Response("length required\n", { status: 411 });
    const reader = chunkReader(request.body, { recycle: true });
    const { readable, writable } = new FixedLengthStream(length);
    const writer = writable.getWriter();
    const pump = async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        await writer.write(value);
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
