// What the edge declares about a request body, for every reader below it: its declared length (a recycling
// reader sizes its buffers to what is left), whether its answer lingers (stopping to read it then releases
// it for the drain instead of cancelling it: http/linger.ts), and how its arrivals are watched (the idle
// timeout, progress: ./arrivals.ts). One record per body, keyed by the body stream itself, the one object
// every stage already holds; written only at the edge (http/linger.ts for length and lingering,
// services/upload/receive.ts for arrivals) and read by chunkReader (./bytes.ts) and stopReading below. A
// parameter threaded through every stage instead would carry the same facts through the hot path's readers.
import type { Arrivals } from "./arrivals";

interface BodyFacts {
  length?: number;
  lingers?: boolean;
  arrivals?: Arrivals;
  /** A lingering body's reader letting go of it (a read in flight finishing first). */
  releasing?: Promise<void>;
}

const bodies = new WeakMap<ReadableStream, BodyFacts>();

function declare(stream: ReadableStream | null, facts: BodyFacts): void {
  if (stream) bodies.set(stream, { ...bodies.get(stream), ...facts });
}

/** What the edge declared of `stream` (nothing, for a stream that is no request body). */
export const factsOf = (stream: ReadableStream): Readonly<BodyFacts> => bodies.get(stream) ?? {};

/** The request body's Content-Length. */
export const declareLength = (stream: ReadableStream | null, length: number) => declare(stream, { length });

/** Marks a request body to be released, not cancelled, when the gateway stops reading it. */
export const lingerOnStop = (stream: ReadableStream | null) => declare(stream, { lingers: true });

/** Watches a request body's arrivals: any reader of it times its reads and reports each arrival. */
export const watchArrivals = (stream: ReadableStream | null, arrivals: Arrivals) =>
  declare(stream, { arrivals });

export const lingers = (stream: ReadableStream | null): boolean =>
  stream !== null && !!bodies.get(stream)?.lingers;

/**
 * Stops reading `stream` (or a stage's reader of it): a lingering request body is left to the drain, any
 * other is cancelled.
 */
export async function stopReading(
  stream: ReadableStream | { cancel(reason?: unknown): Promise<void> } | null,
  reason?: unknown,
): Promise<void> {
  if (!stream || (stream instanceof ReadableStream && lingers(stream))) return;
  await stream.cancel(reason).catch(() => {});
}

/** Records that a lingering body's reader is letting go of it. */
export const releasing = (stream: ReadableStream, done: Promise<void>) =>
  declare(stream, { releasing: done });

/** Resolves once a lingering body's reader has let go of it (at once if none is letting go). */
export const released = (stream: ReadableStream): Promise<void> =>
  bodies.get(stream)?.releasing ?? Promise.resolve();
