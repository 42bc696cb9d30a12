// Parts cut from one stream, for providers that take a file in several requests (OpenAI's Uploads API):
// each part is a StreamedFile of exactly its size, read from the one stream as its own request sends it.
// Nothing is buffered: a part's stream pulls from the file's reader only when its request takes a chunk,
// so what is held is the chunk in flight (and the tail of one that straddles two parts, kept for the next).

import type { ChunkReader } from "../../core/bytes";
import { readerOf } from "../../core/stages";
import type { StreamedFile } from "./encode";

/** The sizes of the parts a file of `size` bytes is cut into: `partBytes` each, the last one the rest. */
export function partSizes(size: number, partBytes: number): number[] {
  if (!(partBytes > 0)) throw new Error("a part needs a positive size");
  const sizes: number[] = [];
  for (let offset = 0; offset < size; offset += partBytes) sizes.push(Math.min(partBytes, size - offset));
  return sizes;
}

/**
 * Cuts `file` (of exactly `file.size` bytes: no slack) into consecutive parts. Take them in order, each only
 * after the previous one's stream has been read to its end (one request at a time); a part whose stream
 * ends short errors it, so its request is aborted rather than sent incomplete.
 */
export class PartCutter {
  private readonly reader: ChunkReader;
  /** Bytes read past the end of the previous part: the head of the next one. */
  private carry: Uint8Array | undefined;
  private taken = 0;

  constructor(private readonly file: StreamedFile) {
    if (file.slack) throw new Error("parts need the file's exact size");
    this.reader = readerOf(file.stream);
    this.reader.closed.catch(() => {});
  }

  /** Bytes of the file not yet handed to a part. */
  get remaining(): number {
    return this.file.size - this.taken;
  }

  /** The next `size` bytes as a file of their own (named and typed as the whole). */
  take(size: number): StreamedFile {
    if (size <= 0 || size > this.remaining) throw new Error(`no part of ${size} bytes left`);
    this.taken += size;
    let left = size;
    const stream = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          let chunk = this.carry;
          this.carry = undefined;
          if (!chunk) {
            const { done, value } = await this.reader.read();
            if (done) {
              controller.error(new Error(`the file ended ${left} bytes short of a part`));
              return;
            }
            chunk = value;
          }
          if (chunk.byteLength > left) {
            this.carry = chunk.subarray(left);
            chunk = chunk.subarray(0, left);
          }
          left -= chunk.byteLength;
          controller.enqueue(chunk);
          if (left > 0) return;
          // The last part ends only once the file has: its end is read (so whatever counts the file sees it
          // end), and a file longer than its size fails the part instead of arriving cut.
          if (this.remaining === 0 && !(await this.ended())) {
            controller.error(new Error("the file carried more than its size"));
            return;
          }
          controller.close();
        },
        cancel: (reason) => this.cancel(reason),
      },
      // Pull only when the request asks: at most the chunk in flight is held.
      { highWaterMark: 0 },
    );
    return { name: this.file.name, type: this.file.type, size, stream };
  }

  /** Whether the file's stream ends here, with nothing after the bytes already taken. */
  private async ended(): Promise<boolean> {
    if (this.carry?.byteLength) return false;
    for (;;) {
      const { done, value } = await this.reader.read();
      if (done) return true;
      if (value.byteLength > 0) return false;
    }
  }

  /** Stops reading the file (a step failed, or the upload was abandoned). */
  cancel(reason?: unknown): Promise<void> {
    this.carry = undefined;
    return this.reader.cancel(reason).catch(() => {});
  }
}
