// "Idle" as it says: no byte for the timeout. A body's reader (core/bytes.ts chunkReader) takes its large
// reads as plain BYOB reads into one buffer, each partial arrival resetting the idle clock and reported,
// instead of one readAtLeast(min), which resolves only once `min` bytes are in: timed around that, a client
// trickling bytes slower than min per timeout was cut as idle though it never paused (readAtLeast's min is a
// liveness bound too, measured in workerd 1.20261023.1). The buffer is the caller's, handed back filled, so
// the read ring's reuse is unchanged.

/** How a body's arrivals are watched. */
export interface Arrivals {
  /** No byte for this long, while a read waits, fails the read with `stalled()`. */
  readonly idleMs: number;
  readonly stalled: () => unknown;
  /** Called with the size of each arrival (a signed upload renews its claim from here). */
  readonly onBytes?: (bytes: number) => void;
}

/**
 * A clock that fails `expired` once `idleMs` passed with no `arrived()`. Only runs while armed: time the
 * gateway spends not reading (a slow provider holding it back) is not the client's idleness.
 */
class IdleClock {
  private last = Date.now();
  private timer: ReturnType<typeof setTimeout> | undefined;
  readonly expired: Promise<never>;

  constructor(private readonly arrivals: Arrivals) {
    this.expired = new Promise<never>((_, reject) => {
      const check = () => {
        const quiet = Date.now() - this.last;
        if (quiet >= arrivals.idleMs) reject(arrivals.stalled());
        else this.timer = setTimeout(check, arrivals.idleMs - quiet);
      };
      this.timer = setTimeout(check, arrivals.idleMs);
    });
    this.expired.catch(() => {});
  }

  /** Bytes arrived: the clock starts over (re-armed lazily, when the running timer fires). */
  arrived(bytes: number): void {
    this.last = Date.now();
    this.arrivals.onBytes?.(bytes);
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}

/**
 * readAtLeast(min, view) of plain BYOB reads: fills `view`'s buffer until `min` bytes or the end, every
 * arrival seen by `arrivals`. Resolves as readAtLeast does: the bytes read (in the buffer the last read
 * returned: each read detaches the one it is given) and whether the stream ended.
 */
export async function fillWatched(
  byob: ReadableStreamBYOBReader,
  view: Uint8Array,
  min: number,
  arrivals: Arrivals,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  let buffer = view.buffer as ArrayBuffer;
  const size = view.byteLength;
  let filled = 0;
  const clock = new IdleClock(arrivals);
  try {
    for (;;) {
      const next = await Promise.race([
        byob.read(new Uint8Array(buffer, filled, size - filled)),
        clock.expired,
      ]);
      // Cancelled: the buffer went with the read.
      if (!next.value) return { done: true, value: undefined };
      buffer = next.value.buffer as ArrayBuffer;
      if (next.value.byteLength > 0) {
        filled += next.value.byteLength;
        clock.arrived(next.value.byteLength);
      }
      if (next.done || filled >= min) return { done: next.done, value: new Uint8Array(buffer, 0, filled) };
    }
  } finally {
    clock.stop();
  }
}

/** One read of a stream that has no BYOB reader: each chunk is an arrival, so the read itself is timed. */
export async function readWatched(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  arrivals: Arrivals,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  const clock = new IdleClock(arrivals);
  try {
    const next = await Promise.race([reader.read(), clock.expired]);
    if (next.value) arrivals.onBytes?.(next.value.byteLength);
    return next;
  } finally {
    clock.stop();
  }
}
