// Sample media for trying imports (GET /__sandbox/media/{name}), built here as bytes: a 1×1 PNG, an MP3 of
// one second of silence (38 MPEG-1 layer III frames), and an MP4 container (ftyp, and a moov with a movie
// header and no tracks: valid ISO BMFF, no picture). Options: ?nolength=1 (chunked, no Content-Length),
// ?slow=ms (a pause before each 1 KiB chunk), ?redirect=1 (a 302 to the same file first); any other name
// is a 404.

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => Number.parseInt(h, 16));

/** 1×1 RGBA PNG, transparent (IHDR, IDAT, IEND with their CRCs). */
const PNG = hex(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082",
);

/** One second of silence: MPEG-1 layer III, 128 kbit/s, 44.1 kHz frames (417 bytes, all-zero side info). */
function mp3(): Uint8Array {
  const frame = new Uint8Array(417);
  frame.set([0xff, 0xfb, 0x90, 0x64]);
  const out = new Uint8Array(frame.length * 38);
  for (let i = 0; i < 38; i++) out.set(frame, i * frame.length);
  return out;
}

const box = (type: string, ...parts: Uint8Array[]) => {
  const size = 8 + parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, size);
  out.set(
    Uint8Array.from(type, (c) => c.charCodeAt(0)),
    4,
  );
  let at = 8;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** ftyp isom + moov(mvhd version 0: timescale 1000, duration 0, rate 1.0, volume 1.0, unity matrix). */
function mp4(): Uint8Array {
  const mvhd = new Uint8Array(100);
  const v = new DataView(mvhd.buffer);
  v.setUint32(12, 1000); // timescale
  v.setUint32(20, 0x00010000); // rate 1.0
  v.setUint16(24, 0x0100); // volume 1.0
  const matrix = [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000];
  for (const [i, m] of matrix.entries()) v.setUint32(36 + i * 4, m);
  v.setUint32(96, 1); // next track id
  return new Uint8Array([
    ...box("ftyp", ascii("isom"), hex("00000200"), ascii("isomiso2mp41")),
    ...box("moov", box("mvhd", mvhd)),
  ]);
}

export const SAMPLE_MEDIA: Record<string, { type: string; bytes: Uint8Array }> = {
  "sample.png": { type: "image/png", bytes: PNG },
  "sample.mp3": { type: "audio/mpeg", bytes: mp3() },
  "sample.mp4": { type: "video/mp4", bytes: mp4() },
};

/** GET /__sandbox/media/{name}: a sample file, or null when the path is not this route's. */
export function sampleMedia(url: URL): Response | null {
  const match = /^\/__sandbox\/media\/([^/]+)$/.exec(url.pathname);
  if (!match?.[1]) return null;
  const sample = SAMPLE_MEDIA[match[1]];
  if (!sample) return Response.json({ error: `sandbox: no sample "${match[1]}"` }, { status: 404 });
  if (url.searchParams.get("redirect") === "1") {
    const next = new URL(url);
    next.searchParams.delete("redirect");
    return new Response(null, { status: 302, headers: { location: next.pathname + next.search } });
  }
  const slow = Number(url.searchParams.get("slow") ?? "0");
  const headers = { "content-type": sample.type, "cache-control": "no-store" };
  if (url.searchParams.get("nolength") !== "1" && slow === 0)
    return new Response(sample.bytes as Uint8Array<ArrayBuffer>, { headers });
  const { bytes } = sample;
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (at >= bytes.length) return controller.close();
      if (slow > 0) await new Promise((r) => setTimeout(r, slow));
      controller.enqueue(bytes.slice(at, at + 1024));
      at += 1024;
    },
  });
  // A stream of unknown length goes out chunked; with a length, as a fixed-length body.
  if (url.searchParams.get("nolength") === "1") return new Response(body, { headers });
  const fixed = new TransformStream<Uint8Array, Uint8Array>();
  void body.pipeTo(fixed.writable);
  return new Response(fixed.readable, { headers: { ...headers, "content-length": String(bytes.length) } });
}
