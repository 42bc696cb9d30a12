// Reader stages: how the upload path's steps hand each other bytes (sniffing's re-emitter, a declared
// digest's check, the meter, the multipart parser's file part), and what a stage reads from.
import type { ChunkReader } from "./bytes";

/**
 * What a stage of the upload path pulls from: a stream, or the reader of the stage before it. Stages hand
 * each other readers, not streams: a JS ReadableStream between two stages costs its queue, promises and
 * read results per chunk, and a fresh isolate's memory grew by about 4 MiB per GiB for each one
 * (docs/benchmark.md, "What the figures say").
 */
export type ChunkSource = ReadableStream<Uint8Array> | ChunkReader;

/** `source` as a reader: a stage's reader as it is, a stream through its own reader. */
export const readerOf = (source: ChunkSource): ChunkReader =>
  source instanceof ReadableStream ? source.getReader() : source;

const ENDED: ReadableStreamReadResult<Uint8Array> = { done: true, value: undefined };

/**
 * A reader stage made of its `step` (the next chunk, or the end) and `stop` (cancel what it reads), read one
 * read at a time. Once a step has ended or thrown, every later read answers the same, as an ended or
 * errored stream would; a cancel fails later reads with its reason.
 */
export function stage(
  step: () => Promise<ReadableStreamReadResult<Uint8Array>>,
  stop: (reason?: unknown) => Promise<void>,
): ChunkReader {
  let settled: { error: unknown } | typeof ENDED | undefined;
  let resolve = () => {};
  let reject: (reason: unknown) => void = () => {};
  // Not Promise.withResolvers: Node 20 (the bench and scripts load these modules) has none.
  const closed = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  closed.catch(() => {});
  const settle = (outcome: { error: unknown } | typeof ENDED) => {
    if (settled) return;
    settled = outcome;
    if ("error" in outcome) reject(outcome.error);
    else resolve();
  };
  return {
    async read() {
      if (settled) {
        if ("error" in settled) throw settled.error;
        return ENDED;
      }
      try {
        const result = await step();
        if (result.done) settle(ENDED);
        return result;
      } catch (error) {
        settle({ error });
        throw error;
      }
    },
    cancel(reason) {
      settle({ error: reason });
      return stop(reason);
    },
    closed,
  };
}
