#!/usr/bin/env node
// `node bench/parser-cpu.mjs [MiB]` (default 40): CPU time the streaming multipart parser spends on one
// file part of each content, in this process (V8, as in workerd), read in 256 KiB chunks as workerd's
// readAtLeast() hands request bodies over. Adversarial contents (every byte a CR, LF or dash; near-misses
// of the delimiter; a boundary made of the file's own byte) against random bytes, to show that no content
// costs much more than random media does. PARSER=<path to multipart-parser.ts> measures another copy (an
// older commit's, extracted with `git archive`). Not part of `npm test` or `npm run bench`.
import { build } from "esbuild";

const MiB = 1024 * 1024;
const SIZE = Number(process.argv[2] ?? 40) * MiB;
const CHUNK = 256 * 1024;
const REPS = 5;

const bundled = await build({
  entryPoints: [
    process.env.PARSER ?? new URL("../worker/services/upload/multipart-parser.ts", import.meta.url).pathname,
  ],
  bundle: true,
  format: "esm",
  platform: "neutral",
  write: false,
});
const { parseMultipart } = await import(
  `data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString("base64")}`
);

const enc = new TextEncoder();
const filled = (byte) => new Uint8Array(SIZE).fill(byte);
const repeated = (text) => {
  const unit = enc.encode(text);
  const out = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i += unit.length) out.set(unit.subarray(0, Math.min(unit.length, SIZE - i)), i);
  return out;
};
const random = () => {
  const out = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
};

const BOUNDARY = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
const CONTENTS = [
  ["random bytes", BOUNDARY, random],
  ["\\r bytes", BOUNDARY, () => filled(13)],
  ["\\n bytes", BOUNDARY, () => filled(10)],
  ["- bytes", BOUNDARY, () => filled(45)],
  ["\\r\\n pairs", BOUNDARY, () => repeated("\r\n")],
  ["\\r\\n-- repeated", BOUNDARY, () => repeated("\r\n--")],
  ["delimiter near-misses", BOUNDARY, () => repeated(`\r\n--${BOUNDARY.slice(0, -1)}x`)],
  ["a bytes, boundary of a's", "a".repeat(70), () => filled(97)],
  ["- bytes, boundary of -'s", "-".repeat(70), () => filled(45)],
  ["random bytes, boundary a", "a", random],
  ["- bytes, boundary a", "a", () => filled(45)],
  ["- bytes, boundary a-", "a-", () => filled(45)],
  ["\\r bytes, boundary a", "a", () => filled(13)],
  ["\\ra repeated, boundary of a's", "a".repeat(70), () => repeated("\ra")],
  ["\\r- repeated, boundary of -'s", "-".repeat(70), () => repeated("\r-")],
];

function body(boundary, file) {
  const head = enc.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = enc.encode(`\r\n--${boundary}--\r\n`);
  let at = 0;
  let part = 0;
  const parts = [head, file, tail];
  return new ReadableStream({
    pull(c) {
      while (part < parts.length && at >= parts[part].length) {
        part++;
        at = 0;
      }
      if (part >= parts.length) return c.close();
      const chunk = parts[part].subarray(at, at + CHUNK);
      at += chunk.length;
      c.enqueue(chunk);
    },
  });
}

async function cpuSeconds(boundary, file) {
  const start = process.cpuUsage();
  const head = await parseMultipart(body(boundary, file), boundary, { headBytes: 65536 });
  let bytes = 0;
  // The file part is a reader (core/bytes.ts ChunkSource); an older copy (PARSER=) may hand back a stream.
  const part = head.file.stream;
  const reader = typeof part.getReader === "function" ? part.getReader() : part;
  for (let next = await reader.read(); !next.done; next = await reader.read()) bytes += next.value.length;
  const used = process.cpuUsage(start);
  if (bytes !== file.length) throw new Error(`parsed ${bytes} of ${file.length} bytes`);
  return (used.user + used.system) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rows = [];
let baseline;
for (const [label, boundary, make] of CONTENTS) {
  const file = make();
  await cpuSeconds(boundary, file); // warm-up
  const times = [];
  for (let i = 0; i < REPS; i++) times.push(await cpuSeconds(boundary, file));
  const s = median(times);
  baseline ??= s;
  rows.push(`| ${label} | ${(s * 1000).toFixed(0)} | ${(s / baseline).toFixed(1)}× |`);
}
console.log(
  `Node ${process.version}, ${SIZE / MiB} MiB file part, ${CHUNK / 1024} KiB chunks, median of ${REPS}:\n`,
);
console.log("| file content | parser CPU ms | × random |\n|---|---|---|");
console.log(rows.join("\n"));
