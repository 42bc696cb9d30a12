// An incremental SHA-256 (FIPS 180-4) in plain JS, for runtimes whose Web Crypto hashes only whole buffers
// (browsers, React Native): mg.ensure hashes a large Blob by reading Blob.stream() through it, one chunk at a
// time, so the file is never whole in memory (docs/reuse.md). Node uses node:crypto instead (node.ts).

// biome-ignore format: the FIPS 180-4 round constants, as the standard prints them.
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

export class Sha256 {
  private readonly h = new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  private readonly w = new Int32Array(64);
  private readonly tail = new Uint8Array(64);
  private used = 0;
  private length = 0;

  update(data: Uint8Array): void {
    this.length += data.length;
    let at = 0;
    if (this.used > 0) {
      at = Math.min(64 - this.used, data.length);
      this.tail.set(data.subarray(0, at), this.used);
      this.used += at;
      if (this.used < 64) return;
      this.block(this.tail, 0);
      this.used = 0;
    }
    for (; at + 64 <= data.length; at += 64) this.block(data, at);
    this.tail.set(data.subarray(at), 0);
    this.used = data.length - at;
  }

  /** The hex digest (the hash is spent: no update after it). */
  hex(): string {
    const bits = this.length * 8;
    const pad = new Uint8Array((this.used < 56 ? 64 : 128) - this.used);
    pad[0] = 0x80;
    const view = new DataView(pad.buffer);
    view.setUint32(pad.length - 8, Math.floor(bits / 2 ** 32));
    view.setUint32(pad.length - 4, bits >>> 0);
    this.update(pad);
    return Array.from(this.h, (x) => (x >>> 0).toString(16).padStart(8, "0")).join("");
  }

  private block(d: Uint8Array, o: number): void {
    const w = this.w;
    const at = (i: number) => d[o + i] ?? 0;
    for (let i = 0; i < 16; i++)
      w[i] = (at(4 * i) << 24) | (at(4 * i + 1) << 16) | (at(4 * i + 2) << 8) | at(4 * i + 3);
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15] ?? 0;
      const y = w[i - 2] ?? 0;
      const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
      const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
      w[i] = ((w[i - 16] ?? 0) + s0 + (w[i - 7] ?? 0) + s1) | 0;
    }
    const h = this.h;
    // The working variables a…h, with d as k and h as m (h is the state).
    let [a, b, c, e, f, g, k, m] = [
      h[0] ?? 0,
      h[1] ?? 0,
      h[2] ?? 0,
      h[4] ?? 0,
      h[5] ?? 0,
      h[6] ?? 0,
      h[3] ?? 0,
      h[7] ?? 0,
    ];
    for (let i = 0; i < 64; i++) {
      const t1 =
        (m + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + (K[i] ?? 0) + (w[i] ?? 0)) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      m = g;
      g = f;
      f = e;
      e = (k + t1) | 0;
      k = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    const sums = [a, b, c, k, e, f, g, m];
    for (let i = 0; i < 8; i++) h[i] = ((h[i] ?? 0) + (sums[i] ?? 0)) | 0;
  }
}

/** A Blob's hex SHA-256, read once through its stream in chunks (bounded memory). */
export async function blobSha256(blob: Blob): Promise<string> {
  const hash = new Sha256();
  const reader = blob.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return hash.hex();
    hash.update(value);
  }
}
