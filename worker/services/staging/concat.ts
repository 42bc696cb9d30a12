// A file made of several staged objects (tus concatenation: partial uploads, then a final upload naming
// them): read as one stream, in order, without JS touching a byte. Each piece's R2 body is piped natively
// into one FixedLengthStream of the file's length (preventClose between pieces; platform notes), so the
// result has a known length (a provider gets Content-Length) and nothing is ever copied into a new object.

/** One piece of a concatenated file: a staged object and its size, in the order the file reads them. */
export interface Piece {
  readonly key: string;
  readonly size: number;
}

export const piecesSize = (pieces: readonly Piece[]) => pieces.reduce((n, p) => n + p.size, 0);

interface Slice {
  readonly key: string;
  readonly range?: { readonly offset: number; readonly length: number };
}

/** The parts of each piece that [from, from + length) covers. */
function slices(pieces: readonly Piece[], from: number, length: number): Slice[] {
  const out: Slice[] = [];
  let at = 0;
  for (const p of pieces) {
    const start = Math.max(from, at);
    const end = Math.min(from + length, at + p.size);
    if (end > start) {
      const whole = start === at && end === at + p.size;
      out.push(whole ? { key: p.key } : { key: p.key, range: { offset: start - at, length: end - start } });
    }
    at += p.size;
  }
  return out;
}

/**
 * The staged file's bytes (`range`: only those) as one stream of known length: the object at `key`, or
 * its pieces in order. Null when the (first) object is missing; a later piece missing aborts the stream.
 */
export async function openStaged(
  bucket: R2Bucket,
  key: string,
  pieces: readonly Piece[] | undefined,
  range?: { readonly offset: number; readonly length: number },
): Promise<ReadableStream<Uint8Array> | null> {
  if (!pieces?.length) return (await bucket.get(key, range ? { range } : {}))?.body ?? null;
  const total = piecesSize(pieces);
  const from = range?.offset ?? 0;
  const length = Math.max(0, Math.min(range?.length ?? total, total - from));
  const parts = slices(pieces, from, length);
  const get = (s: Slice) => bucket.get(s.key, s.range ? { range: s.range } : {});
  const first = parts[0] ? await get(parts[0]) : null;
  if (!first) return null;
  if (parts.length === 1) return first.body;
  const out = new FixedLengthStream(length);
  (async () => {
    let body = first.body;
    for (let i = 1; ; i++) {
      await body.pipeTo(out.writable, { preventClose: true });
      const next = parts[i];
      if (!next) break;
      const object = await get(next);
      if (!object) throw new Error(`staged piece ${next.key} is missing`);
      body = object.body;
    }
    await out.writable.close();
  })().catch((error) => out.writable.abort(error).catch(() => {}));
  return out.readable;
}
