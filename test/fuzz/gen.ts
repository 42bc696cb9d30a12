// Fuzz cases: a valid base request of each kind (multipart, raw, signed URL, JSON ticket, tus creation and
// PATCH/HEAD/DELETE, staged content, any route), then seeded mutations of its bytes, headers, URL and
// method. Each case draws only from its own PRNG, so a case replays from (seed, index) alone; only the
// ids and tokens its setup obtains from the gateway differ between runs.
import type { ProviderId } from "../../worker/providers/kit/capability";
import { PROVIDER_IDS } from "../../worker/providers/table";
import { KEY, SAMPLES } from "../helpers";
import type { Rng } from "./rng";
import { cat, getHeader, headerSafe, latin1, removeHeader, type Spec, setHeader, utf8 } from "./spec";

export type Family =
  | "multipart"
  | "raw"
  | "signed"
  | "json"
  | "tus-create"
  | "tus-resource"
  | "content"
  | "route";

export interface Case {
  family: Family;
  /** What was done to the base request, in order. */
  notes: string[];
  spec: Spec;
}

/** Valid requests a case needs first (a ticket, a tus upload, a staged file); they must succeed. */
export interface Setup {
  ticket(body: Record<string, unknown>): Promise<{ id: string; upload_url: string; tus_url: string }>;
  tus(headers: Record<string, string>): Promise<string>;
  patch(location: string, bytes: Uint8Array, offset: number): Promise<void>;
  staged(bytes: Uint8Array, filename: string, type: string): Promise<{ url: string; etag: string }>;
}

const ORIGIN = "http://gateway.test";
/** Keep every body within this: 10,000 cases must run in minutes. */
export const MAX_BODY = 64 * 1024;

const JUNK_PROVIDERS = [
  "acme",
  "JIMMY",
  "Jimmy",
  "jimmy ",
  " dify",
  "jim my",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "prototype",
  "",
  "jimmy,dify",
  "%6Aimmy",
  "jimmy%00",
  "..",
  "wavespeed.ai",
  "ü",
  "x".repeat(300),
];

const INVALID_UTF8: readonly number[][] = [
  [0xff],
  [0xfe, 0xff],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
];

const ODD_TYPES = [
  "",
  "image/png",
  "IMAGE/PNG",
  "image/png; charset=utf-8",
  "image/jpeg",
  "image/gif",
  "image/svg+xml",
  "audio/mpeg",
  "audio/wav",
  "video/mp4",
  "text/plain",
  "application/json",
  "application/octet-stream",
  "binary/octet-stream",
  "application/x-www-form-urlencoded",
  "application/offset+octet-stream",
  "multipart/form-data",
  "multipart/mixed; boundary=x",
  "*/*",
  "image/*",
  "image/",
  "/png",
  "/",
  ";",
  "a/b/c",
  "image/png, text/plain",
  "image/png\u0001",
  "image/pngÿ",
  " image/png ",
  "image/png;;;",
  "x".repeat(500),
];

const EXTENSIONS = [
  "png",
  "jpg",
  "jpeg",
  "gif",
  "webp",
  "mp3",
  "wav",
  "m4a",
  "mp4",
  "mov",
  "pdf",
  "txt",
  "exe",
  "svg",
  "tar.gz",
  "",
];

/** A provider to aim at: mostly real, sometimes not. */
function provider(rng: Rng, notes: string[]): string {
  if (rng.chance(0.06)) {
    const junk = rng.pick(JUNK_PROVIDERS);
    notes.push(`provider ${JSON.stringify(junk)}`);
    return junk;
  }
  return rng.pick(PROVIDER_IDS);
}

const sampleOf = (p: string) => (Object.hasOwn(SAMPLES, p) ? SAMPLES[p as ProviderId] : SAMPLES.jimmy);

/** The fields the provider's sample needs (useapi's account, dify's user, minimax's purpose). */
function fieldsFor(rng: Rng, p: string, notes: string[]): [string, string][] {
  const fields: [string, string][] = Object.entries(sampleOf(p).fields);
  if (p === "useapi" && rng.chance(0.3)) fields.push(["account", `acct${rng.hex(4)}`]);
  if (p === "dify" && fields.length && rng.chance(0.2)) fields.pop();
  if (rng.chance(0.2)) {
    const [name, value] = rng.pick<[string, string]>([
      [
        "purpose",
        rng.pick(["voice_clone", "prompt_audio", "t2a_async_input", "video_understanding", "fine-tune", ""]),
      ],
      ["user", rng.pick(["alice", "", "a\u0001b", "é", "u".repeat(257), "u".repeat(256)])],
      ["account", rng.pick(["a", "", "a b", "a/b", "a\tb", "x".repeat(300)])],
      ["file", "not a file"],
      ["filename", "x.png"],
      ["token", "t"],
      ["Purpose", "voice_clone"],
      ["", "empty name"],
      ["__proto__", "x"],
      [rng.hex(6), rng.hex(6)],
    ]);
    notes.push(`field ${JSON.stringify(name)}=${JSON.stringify(value.slice(0, 40))}`);
    fields.push([name, value]);
  }
  if (fields.length && rng.chance(0.05)) {
    fields.push(fields[0] as [string, string]);
    notes.push("field repeated");
  }
  return fields;
}

export interface Name {
  text: string;
  /** Invalid UTF-8 in the middle, where bytes travel (multipart heads, tus metadata, the query). */
  junk?: number[];
}

/** A filename: mostly fine, often not. */
function filename(rng: Rng, p: string, notes: string[]): Name {
  const ext = rng.chance(0.85) ? sampleOf(p).ext : rng.pick(EXTENSIONS);
  const base = `fz${rng.hex(6)}`;
  if (rng.chance(0.6)) return { text: ext ? `${base}.${ext}` : base };
  const pad = (total: number) => `${"n".repeat(Math.max(1, total - ext.length - 1))}.${ext}`;
  const bad = rng.pick<() => Name>([
    () => ({ text: `${base}\u0001.${ext}` }),
    () => ({ text: `${base}\t.${ext}` }),
    () => ({ text: `${base}\u007f.${ext}` }),
    () => ({ text: `${base}\u0000.${ext}` }),
    () => ({ text: `${base}\n.${ext}` }),
    () => ({ text: `${base}\r\n.${ext}` }),
    () => ({ text: `q"uote.${ext}` }),
    () => ({ text: `"${base}.${ext}"` }),
    () => ({ text: `q'uote.${ext}` }),
    () => ({ text: `back\\slash.${ext}` }),
    () => ({ text: `semi;colon=x.${ext}` }),
    () => ({ text: `pct%22%00.${ext}` }),
    () => ({ text: pad(255) }),
    () => ({ text: pad(256) }),
    () => ({ text: pad(rng.int(257, 5000)) }),
    () => ({ text: `фото.${ext}` }),
    () => ({ text: `画像.${ext}` }),
    () => ({ text: `😀.${ext}` }),
    () => ({ text: `e\u0301.${ext}` }),
    () => ({ text: `\u202egnp.${ext}` }),
    () => ({ text: `\ufeff${base}.${ext}` }),
    () => ({ text: `\ud800${base}.${ext}` }),
    () => ({ text: `${base}\udfff.${ext}` }),
    () => ({ text: `../../etc/passwd.${ext}` }),
    () => ({ text: `C:\\temp\\${base}.${ext}` }),
    () => ({ text: `/abs/${base}.${ext}` }),
    () => ({ text: base }),
    () => ({ text: `.${ext}` }),
    () => ({ text: ext }),
    () => ({ text: `${base}.` }),
    () => ({ text: `${base}..${ext}` }),
    () => ({ text: `${base}.${ext.toUpperCase()}` }),
    () => ({ text: `${base}.${ext}.exe` }),
    () => ({ text: `${base}.${ext} ` }),
    () => ({ text: ` ${base}.${ext}` }),
    () => ({ text: `${base}.${ext};` }),
    () => ({ text: `${base}.${ext}\u0000.exe` }),
    () => ({ text: "" }),
    () => ({ text: " " }),
    () => ({ text: `${base}.${ext}`, junk: rng.pick(INVALID_UTF8) }),
  ])();
  notes.push(
    `filename ${JSON.stringify(bad.text.slice(0, 60))}${bad.junk ? ` + invalid UTF-8 ${bad.junk}` : ""}`,
  );
  return bad;
}

/** The name's bytes: UTF-8, with its junk bytes before the extension. */
function nameBytes(name: Name): Uint8Array {
  if (!name.junk) return utf8(name.text);
  const dot = name.text.lastIndexOf(".");
  const at = dot < 0 ? name.text.length : dot;
  return cat(name.text.slice(0, at), new Uint8Array(name.junk), name.text.slice(at));
}

/** The name as a query parameter (invalid UTF-8 percent-encoded, as a browser would send the bytes). */
function nameQuery(name: Name): string {
  return Array.from(nameBytes(name), (b) =>
    /[A-Za-z0-9._~-]/.test(String.fromCharCode(b))
      ? String.fromCharCode(b)
      : `%${b.toString(16).padStart(2, "0").toUpperCase()}`,
  ).join("");
}

const authHeader = (): [string, string] => ["authorization", `Bearer ${KEY}`];

function fileBytes(rng: Rng, max = 60_000): Uint8Array {
  return rng.bytes(rng.size(max));
}

// --- multipart ------------------------------------------------------------------------------------------

const BCHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=?";

function boundary(rng: Rng, notes: string[]): string {
  if (rng.chance(0.7)) return `----MediagateFuzz${rng.hex(16)}`;
  const odd = rng.pick<() => string>([
    () => "x",
    () => "-",
    () => Array.from({ length: rng.int(1, 70) }, () => rng.pick([...BCHARS])).join(""),
    () => "a".repeat(70),
    () => "a".repeat(71),
    () => "with space",
    () => "trailing-space ",
    () => "semi;colon",
    () => 'q"uote',
    () => "ü-latin1",
  ]);
  const b = odd();
  notes.push(`boundary ${JSON.stringify(b)}`);
  return b;
}

function contentDisposition(rng: Rng, field: string, name: Name | undefined, notes: string[]): Uint8Array {
  const head = `Content-Disposition: form-data; name="${field}"`;
  if (!name) return utf8(head);
  const style = rng.weighted<string>([
    [10, "browser"],
    [1, "raw"],
    [1, "backslash"],
    [1, "token"],
    [1, "star"],
    [1, "both"],
    [1, "empty"],
  ]);
  if (style !== "browser") notes.push(`filename as ${style}`);
  const bytes = nameBytes(name);
  const text = latin1(bytes);
  switch (style) {
    case "raw":
      return cat(`${head}; filename="`, bytes, `"`);
    case "backslash":
      return cat(`${head}; filename="`, utf8(name.text.replace(/["\\]/g, (c) => `\\${c}`)), `"`);
    case "token":
      return cat(`${head}; filename=`, bytes);
    case "star":
      return cat(
        `${head}; filename*=UTF-8''${encodeURIComponent(name.text.replace(/[\ud800-\udfff]/g, "_"))}`,
      );
    case "both":
      return cat(`${head}; filename="fallback.png"; filename*=UTF-8''${encodeURIComponent(text)}`);
    case "empty":
      return utf8(`${head}; filename=""`);
    default:
      // What browsers do: quotes and line breaks percent-encoded, the rest as UTF-8.
      return cat(
        `${head}; filename="`,
        utf8(name.text.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A")),
        name.junk ? new Uint8Array(name.junk) : new Uint8Array(0),
        `"`,
      );
  }
}

function multipart(rng: Rng, notes: string[], forced?: string): { spec: Spec; vocab: string[] } {
  const p = forced ?? provider(rng, notes);
  const fields = fieldsFor(rng, p, notes);
  const name = filename(rng, p, notes);
  const b = boundary(rng, notes);
  const data = fileBytes(rng);
  const lf = rng.chance(0.03);
  if (lf) notes.push("LF line ends");
  const nl = lf ? "\n" : "\r\n";
  const field = (n: string, v: string) =>
    cat(`--${b}${nl}Content-Disposition: form-data; name="${n}"${nl}${nl}`, v, nl);
  const type = rng.chance(0.85) ? sampleOf(p).type : rng.pick(ODD_TYPES);
  if (type !== sampleOf(p).type) notes.push(`part type ${JSON.stringify(type)}`);
  const partHeaders: Uint8Array[] = [];
  const fileField = rng.chance(0.95) ? "file" : rng.pick(["File", "upload", "", "file ", "files"]);
  if (fileField !== "file") notes.push(`file part named ${JSON.stringify(fileField)}`);
  const noName = rng.chance(0.04);
  if (noName) notes.push("file part without filename");
  partHeaders.push(contentDisposition(rng, fileField, noName ? undefined : name, notes));
  if (type) partHeaders.push(utf8(`Content-Type: ${type}`));
  if (rng.chance(0.05)) {
    const extra = rng.pick([
      "Content-Transfer-Encoding: base64",
      "Content-Length: 3",
      "X-Extra: yes",
      " folded: line",
      "NoColonHere",
      'content-disposition: form-data; name="other"',
    ]);
    notes.push(`part header ${JSON.stringify(extra)}`);
    partHeaders.splice(rng.int(0, partHeaders.length), 0, utf8(extra));
  }
  if (rng.chance(0.03)) {
    notes.push("file part without Content-Disposition");
    partHeaders.shift();
  }
  const headerLines: (string | Uint8Array)[] = [];
  for (const h of partHeaders) headerLines.push(h, nl);
  const filePart = cat(`--${b}${nl}`, ...headerLines, nl, data);
  const structure = rng.weighted<string>([
    [20, "normal"],
    [1, "file first"],
    [1, "two files"],
    [1, "no file"],
    [1, "preamble"],
    [1, "no closing"],
    [1, "field after closing"],
  ]);
  if (structure !== "normal") notes.push(structure);
  const fieldParts = fields.map(([n, v]) => field(n, v));
  const closing = `${nl}--${b}--`;
  const epilogue = rng.weighted<string>([
    [12, "\r\n"],
    [4, ""],
    [1, "\r\n\r\n"],
    [1, "garbage"],
    [1, "big"],
  ]);
  if (epilogue !== "\r\n" && epilogue !== "") notes.push(`epilogue ${epilogue}`);
  const tail =
    epilogue === "garbage"
      ? cat("\r\n", rng.bytes(rng.int(1, 900)))
      : epilogue === "big"
        ? cat("\r\n", "e".repeat(rng.int(1000, 2000)))
        : utf8(epilogue);
  let parts: Uint8Array[];
  switch (structure) {
    case "file first":
      parts = [filePart, utf8(nl), ...fieldParts, utf8(`--${b}--`), tail];
      break;
    case "two files":
      parts = [...fieldParts, filePart, utf8(nl), filePart, utf8(closing), tail];
      break;
    case "no file":
      parts = [...fieldParts, utf8(`--${b}--`), tail];
      break;
    case "preamble":
      parts = [utf8(`preamble ${rng.hex(8)}\r\n`), ...fieldParts, filePart, utf8(closing), tail];
      break;
    case "no closing":
      parts = [...fieldParts, filePart];
      break;
    case "field after closing":
      parts = [...fieldParts, filePart, utf8(closing), utf8(nl), field("user", "late")];
      break;
    default:
      parts = [...fieldParts, filePart, utf8(closing), tail];
  }
  const query: string[] = [];
  if (rng.chance(0.05)) {
    query.push(`filename=${nameQuery(name)}`);
    notes.push("?filename= on multipart");
  }
  const spec: Spec = {
    method: "POST",
    url: `${ORIGIN}/v1/providers/${p}/files${query.length ? `?${query.join("&")}` : ""}`,
    headers: [authHeader(), ["content-type", `multipart/form-data; boundary=${b}`]],
    body: cat(...parts),
    length: "auto",
  };
  if (rng.chance(0.1)) multipartType(rng, spec, b, notes);
  return { spec, vocab: [`--${b}`, `\r\n--${b}\r\n`, `\r\n--${b}--`, b] };
}

function multipartType(rng: Rng, spec: Spec, b: string, notes: string[]): void {
  const value = rng.pick([
    "multipart/form-data",
    "multipart/form-data; boundary=",
    'multipart/form-data; boundary=""',
    `multipart/form-data; boundary="${b}"`,
    `multipart/form-data;boundary=${b}`,
    `Multipart/Form-Data; BOUNDARY=${b}`,
    `multipart/form-data; charset=utf-8; boundary=${b}`,
    `multipart/form-data; boundary=${b}; boundary=other`,
    `multipart/form-data; boundary=other; boundary=${b}`,
    `multipart/form-data; boundary=${b}x`,
    `multipart/form-data; boundary=${b.slice(1)}`,
    `multipart/form-data; boundary=${"z".repeat(71)}`,
    `multipart/mixed; boundary=${b}`,
    `multipart/form-data , text/plain; boundary=${b}`,
    `multipart/form-data; boundary=${b} ; x=y`,
    `multipart/form-data; boundary=${b}\t`,
    "text/plain",
    "application/json",
  ]);
  notes.push(`content-type ${JSON.stringify(value)}`);
  setHeader(spec, "content-type", headerSafe(value));
}

// --- raw ------------------------------------------------------------------------------------------------

function queryFor(fields: [string, string][]): string[] {
  return fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
}

function raw(rng: Rng, notes: string[]): { spec: Spec; vocab: string[] } {
  const p = provider(rng, notes);
  const fields = fieldsFor(rng, p, notes);
  const name = filename(rng, p, notes);
  const query = queryFor(fields);
  if (rng.chance(0.97)) query.unshift(`filename=${nameQuery(name)}`);
  else notes.push("no ?filename=");
  if (rng.chance(0.05)) {
    const junk = rng.pick([
      "filename=other.png",
      "filename=",
      "%zz=1",
      "a=%",
      "filename=%FF.png",
      "&&",
      "=",
      "purpose",
    ]);
    query.push(junk);
    notes.push(`query ${junk}`);
  }
  const type = rng.chance(0.8) ? sampleOf(p).type : rng.pick(ODD_TYPES);
  if (type !== sampleOf(p).type) notes.push(`content-type ${JSON.stringify(type)}`);
  const spec: Spec = {
    method: "POST",
    url: `${ORIGIN}/v1/providers/${p}/files?${query.join("&")}`,
    headers: [authHeader(), ...(type ? [["content-type", headerSafe(type)] as [string, string]] : [])],
    body: fileBytes(rng),
    length: "auto",
  };
  return { spec, vocab: [] };
}

// --- signed upload URLs ----------------------------------------------------------------------------------

async function signed(rng: Rng, notes: string[], setup: Setup): Promise<{ spec: Spec; vocab: string[] }> {
  const p = rng.pick(PROVIDER_IDS);
  const sample = sampleOf(p);
  const ticketBody: Record<string, unknown> = { provider: p };
  if (rng.chance(0.3)) ticketBody.filename = `fixed${rng.hex(4)}.${sample.ext}`;
  if (rng.chance(0.3))
    ticketBody.content_type = rng.pick([
      sample.type,
      `${sample.type.split("/")[0]}/*`,
      [sample.type, "video/mp4"],
    ]);
  if (rng.chance(0.2)) ticketBody.max_bytes = rng.int(1, 70_000);
  if (p === "minimax" && rng.chance(0.5)) ticketBody.purpose = "voice_clone";
  notes.push(`ticket ${JSON.stringify(ticketBody)}`);
  const ticket = await setup.ticket(ticketBody);
  const url = new URL(ticket.upload_url);
  if (rng.chance(0.1)) {
    const token = url.searchParams.get("token") ?? "";
    const bad = rng.pick([
      () => "",
      () => token.slice(0, rng.int(0, token.length - 1)),
      () => `${token}x`,
      () => token.replace(".", ""),
      () => token.split(".").reverse().join("."),
      () => `${token}.x`,
      () => {
        const i = rng.int(0, token.length - 1);
        return `${token.slice(0, i)}${token[i] === "A" ? "B" : "A"}${token.slice(i + 1)}`;
      },
    ])();
    url.searchParams.set("token", bad);
    notes.push("token tampered");
  }
  if (rng.chance(0.05)) {
    url.pathname = url.pathname.replace(
      ticket.id,
      rng.pick([crypto.randomUUID(), "x", ticket.id.toUpperCase()]),
    );
    notes.push("other id in the path");
  }
  const fields = Object.entries(sample.fields).filter(() => ticketBody.purpose === undefined);
  const name = filename(rng, p, notes);
  if (rng.chance(0.6)) {
    // A raw PUT, the ticket's way.
    const query = queryFor(fields);
    if (!ticketBody.filename || rng.chance(0.2)) query.push(`filename=${nameQuery(name)}`);
    for (const q of query) url.search += `${url.search ? "&" : "?"}${q}`;
    const type = rng.chance(0.8) ? sample.type : rng.pick(ODD_TYPES);
    return {
      spec: {
        method: rng.chance(0.9) ? "PUT" : "POST",
        url: url.href,
        headers: type ? [["content-type", headerSafe(type)]] : [],
        body: fileBytes(rng),
        length: "auto",
      },
      vocab: [],
    };
  }
  const { spec, vocab } = multipart(rng, notes, p);
  spec.method = rng.chance(0.9) ? "POST" : "PUT";
  spec.url = url.href;
  removeHeader(spec, "authorization");
  return { spec, vocab };
}

// --- JSON tickets ----------------------------------------------------------------------------------------

const KEYS = [
  "provider",
  "filename",
  "content_type",
  "max_bytes",
  "purpose",
  "user",
  "account",
  "expires_in",
  "callback_url",
  "metadata",
];

const STRINGS = [
  "",
  " ",
  "jimmy",
  "voice_clone",
  "a.png",
  "image/png",
  "https://127.0.0.1:1/cb",
  "http://localhost:1/cb",
  "http://example.com/cb",
  "javascript:alert(1)",
  "https://",
  "ftp://x/y",
  "\u0000",
  "\ud800",
  "\ufeff",
  "😀",
  "a\u0001b",
  "%00",
  "null",
  "1e3",
  "__proto__",
  "x".repeat(300),
];

function randomJson(rng: Rng, depth = 0): unknown {
  const kind = rng.weighted<string>([
    [2, "null"],
    [2, "bool"],
    [4, "number"],
    [5, "string"],
    [depth < 4 ? 2 : 0, "array"],
    [depth < 4 ? 2 : 0, "object"],
  ]);
  switch (kind) {
    case "null":
      return null;
    case "bool":
      return rng.chance(0.5);
    case "number":
      return rng.pick([
        0,
        -0,
        1,
        -1,
        1.5,
        2 ** 31,
        2 ** 53,
        2 ** 53 + 2,
        1e21,
        1e308,
        -1e308,
        5e-324,
        604800,
        604801,
        5_000_000_000,
        5_000_000_001,
        rng.int(-1e6, 1e6),
      ]);
    case "string":
      return rng.chance(0.8) ? rng.pick(STRINGS) : latin1(rng.bytes(rng.int(0, 40)));
    case "array":
      return Array.from({ length: rng.int(0, 4) }, () => randomJson(rng, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: rng.int(0, 4) }, () => [
          rng.chance(0.5) ? rng.pick(KEYS) : rng.pick(["__proto__", "constructor", "", "a", "😀"]),
          randomJson(rng, depth + 1),
        ]),
      );
  }
}

function json(rng: Rng, notes: string[]): { spec: Spec; vocab: string[] } {
  const p = provider(rng, notes);
  const sample = sampleOf(p);
  const body: Record<string, unknown> = { provider: p, ...sample.fields };
  if (rng.chance(0.5)) body.filename = `fz${rng.hex(4)}.${sample.ext}`;
  if (rng.chance(0.3)) body.content_type = sample.type;
  if (rng.chance(0.3)) body.max_bytes = rng.int(1, 1_000_000);
  if (rng.chance(0.3)) body.expires_in = rng.int(1, 604_800);
  if (rng.chance(0.2)) body.metadata = { order: rng.hex(6) };
  if (rng.chance(0.1)) body.callback_url = "https://127.0.0.1:1/callback";
  let value: unknown = body;
  const edits = rng.int(0, 3);
  for (let i = 0; i < edits; i++) {
    const edit = rng.weighted<string>([
      [6, "set"],
      [2, "delete"],
      [2, "unknown"],
      [1, "replace"],
      [1, "big metadata"],
      [1, "many types"],
    ]);
    const obj = value as Record<string, unknown>;
    if (typeof value !== "object" || value === null || Array.isArray(value)) break;
    if (edit === "set") {
      const key = rng.pick(KEYS);
      obj[key] = randomJson(rng);
      notes.push(`json ${key}=${JSON.stringify(obj[key])?.slice(0, 60)}`);
    } else if (edit === "delete") {
      const key = rng.pick(Object.keys(obj).concat("provider"));
      delete obj[key];
      notes.push(`json without ${key}`);
    } else if (edit === "unknown") {
      const key = rng.pick(["__proto__", "constructor", "toString", "Provider", "provider ", "extra", ""]);
      Object.defineProperty(obj, key, {
        value: randomJson(rng),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      notes.push(`json extra key ${JSON.stringify(key)}`);
    } else if (edit === "replace") {
      value = randomJson(rng);
      notes.push(`json body ${JSON.stringify(value)?.slice(0, 60)}`);
    } else if (edit === "big metadata") {
      obj.metadata = { blob: "m".repeat(rng.int(3000, 20_000)) };
      notes.push("json big metadata");
    } else {
      obj.content_type = Array.from({ length: rng.int(19, 22) }, () =>
        rng.pick(["image/png", "image/*", "audio/mpeg"]),
      );
      notes.push(`json ${(obj.content_type as string[]).length} content types`);
    }
  }
  let text = JSON.stringify(value) ?? "";
  if (rng.chance(0.12)) {
    const oddity = rng.pick<() => string>([
      () => "",
      () => "null",
      () => '"provider"',
      () => "[]",
      () => `\ufeff${text}`,
      () => `${text},`,
      () => `${text}${text}`,
      () => text.replace(/}$/, ",}"),
      () => text.replace(/^{/, `{"provider":"dify",`),
      () => text.replace(/^{/, "{/* c */"),
      () => `{"provider": "jimmy", "max_bytes": 1e400}`,
      () => `{"provider": "jimmy", "max_bytes": -0}`,
      () => `{"provider": "jimmy", "expires_in": 1E2}`,
      () => `{"provider": NaN}`,
      () => `{'provider': 'jimmy'}`,
      () => `${"[".repeat(5000)}${"]".repeat(5000)}`,
      () => `{"metadata": ${'{"a":'.repeat(3000)}1${"}".repeat(3000)}, "provider": "jimmy"}`,
      () => `{"provider": "jimmy", "filename": "\\ud800.png"}`,
      () => `{"provider": "jimmy\\u0000"}`,
      () => " \t\r\n".repeat(10) + text,
    ]);
    text = oddity();
    notes.push(`json text ${JSON.stringify(text.slice(0, 60))}`);
  }
  const type = rng.chance(0.85)
    ? "application/json"
    : rng.pick([
        "",
        "text/plain",
        "application/json; charset=utf-8",
        "application/x-www-form-urlencoded",
        "APPLICATION/JSON",
        "multipart/form-data; boundary=x",
      ]);
  if (type !== "application/json") notes.push(`content-type ${JSON.stringify(type)}`);
  return {
    spec: {
      method: "POST",
      url: `${ORIGIN}/v1/uploads`,
      headers: [authHeader(), ...(type ? [["content-type", type] as [string, string]] : [])],
      body: utf8(text),
      length: "auto",
    },
    vocab: ['"', "{", "}", "[", "]", ",", ":", "\\", "\\u0000", "\\ud800", '"provider"', "null", "1e999"],
  };
}

// --- tus ------------------------------------------------------------------------------------------------

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** Upload-Metadata for a provider, and what was done to it. */
function metadata(rng: Rng, p: string, notes: string[]): string {
  const sample = sampleOf(p);
  const name = filename(rng, p, notes);
  const pairs: [string, string | null][] = [
    [rng.chance(0.9) ? "provider" : "providers", b64(utf8(p))],
    [rng.chance(0.9) ? "filename" : "name", b64(nameBytes(name))],
  ];
  if (rng.chance(0.7))
    pairs.push([
      rng.chance(0.9) ? "filetype" : "type",
      b64(utf8(rng.chance(0.9) ? sample.type : rng.pick(ODD_TYPES))),
    ]);
  for (const [k, v] of Object.entries(sample.fields)) pairs.push([k, b64(utf8(v))]);
  if (rng.chance(0.08)) {
    const list = rng.pick([
      "jimmy,useapi",
      "jimmy,wavespeed,dify",
      "jimmy,jimmy",
      "jimmy,,dify",
      " jimmy , dify ",
      "jimmy,openai",
      "minimax,jimmy",
    ]);
    pairs[0] = ["providers", b64(utf8(list))];
    notes.push(`providers ${JSON.stringify(list)}`);
  }
  const edits = rng.chance(0.3) ? rng.int(1, 2) : 0;
  for (let i = 0; i < edits; i++) {
    const at = rng.int(0, pairs.length - 1);
    const key = pairs[at]?.[0] ?? "k";
    const edit = rng.pick([
      "not base64",
      "base64 of invalid UTF-8",
      "key without value",
      "empty value",
      "repeated key",
      "odd key",
      "pair removed",
      "big metadata",
    ]);
    if (edit === "not base64")
      pairs[at] = [key, rng.pick(["abc$", "YQ", "YQ=", "Y", "====", "-_-_", "YWJj=YWJj", "YW Jj", "ÿÿ"])];
    else if (edit === "base64 of invalid UTF-8")
      pairs[at] = [key, b64(new Uint8Array(rng.pick(INVALID_UTF8)))];
    else if (edit === "key without value") pairs[at] = [key, null];
    else if (edit === "empty value") pairs[at] = [key, ""];
    else if (edit === "repeated key") pairs.push([key, b64(utf8("x"))]);
    else if (edit === "odd key")
      pairs.push([
        rng.pick(["a b", "ü", "", "a,b", "=", "purpose", "user", "account", "x".repeat(500)]),
        b64(utf8("v")),
      ]);
    else if (edit === "pair removed") pairs.splice(at, 1);
    else pairs.push(["filler", b64(utf8("f".repeat(rng.int(1000, 12_000))))]);
    notes.push(`metadata ${edit}`);
  }
  let header = pairs.map(([k, v]) => (v === null ? k : `${k} ${v}`)).join(rng.chance(0.95) ? "," : ", ");
  if (rng.chance(0.04)) {
    header = rng.pick([
      `,${header}`,
      `${header},`,
      `${header} extra`,
      header.replace(" ", "  "),
      header.replace(" ", "\t"),
    ]);
    notes.push("metadata syntax");
  }
  return headerSafe(header);
}

function tusHeaders(rng: Rng, length: number, notes: string[]): [string, string][] {
  const headers: [string, string][] = [["tus-resumable", "1.0.0"], authHeader()];
  const odd = rng.chance(0.15);
  const value = odd
    ? rng.pick([
        "",
        "-1",
        "1.5",
        "1e3",
        "0",
        ` ${length} `,
        `00${length}`,
        "99999999999999999",
        "9999999999999999",
        "5000000001",
        `${length}, ${length}`,
        "0x10",
        "+5",
      ])
    : String(length);
  if (odd) notes.push(`upload-length ${JSON.stringify(value)}`);
  headers.push(["upload-length", value]);
  if (rng.chance(0.05)) {
    const v = rng.pick(["0.2.2", "1.0", "", "1.0.0, 1.0.0", "1.0.0 "]);
    headers[0] = ["tus-resumable", v];
    notes.push(`tus-resumable ${JSON.stringify(v)}`);
  }
  if (rng.chance(0.03)) {
    headers.push(["upload-defer-length", "1"]);
    notes.push("upload-defer-length");
  }
  return headers;
}

async function tusCreate(rng: Rng, notes: string[], setup: Setup): Promise<{ spec: Spec; vocab: string[] }> {
  const p = provider(rng, notes);
  const length = rng.size(60_000);
  let url = `${ORIGIN}/v1/tus`;
  const headers = tusHeaders(rng, length, notes);
  if (rng.chance(0.1) && (PROVIDER_IDS as readonly string[]).includes(p)) {
    const ticket = await setup.ticket({
      provider: p,
      ...(rng.chance(0.5) ? { max_bytes: rng.int(1, 70_000) } : {}),
    });
    url = ticket.tus_url;
    notes.push("with a ticket's token");
    if (rng.chance(0.7)) headers.splice(1, 1);
  }
  headers.push(["upload-metadata", metadata(rng, p, notes)]);
  const spec: Spec = { method: "POST", url, headers, body: null, length: null };
  if (rng.chance(0.2)) {
    // creation-with-upload
    const n = rng.chance(0.8) ? rng.int(1, length) : length + rng.int(1, 100);
    spec.body = rng.bytes(n);
    spec.length = "auto";
    spec.headers.push([
      "content-type",
      rng.chance(0.9) ? "application/offset+octet-stream" : rng.pick(ODD_TYPES),
    ]);
    notes.push(`creation-with-upload of ${n} of ${length}`);
  }
  return { spec, vocab: [] };
}

async function checksum(rng: Rng, body: Uint8Array, notes: string[]): Promise<string> {
  const algorithm = rng.pick(["sha1", "sha256"]);
  const digest = new Uint8Array(await crypto.subtle.digest(algorithm === "sha1" ? "SHA-1" : "SHA-256", body));
  const value = rng.pick<() => string>([
    () => `${algorithm} ${b64(digest)}`,
    () => `${algorithm} ${b64(digest.map((b, i) => (i === 0 ? b ^ 1 : b)))}`,
    () => `${algorithm} ${b64(digest.subarray(1))}`,
    () => `${algorithm} not*base64`,
    () => `${algorithm}`,
    () => `md5 ${b64(digest)}`,
    () => `${algorithm.toUpperCase()} ${b64(digest)}`,
    () => "",
  ])();
  notes.push(`upload-checksum ${JSON.stringify(value.slice(0, 20))}`);
  return value;
}

async function tusResource(
  rng: Rng,
  notes: string[],
  setup: Setup,
): Promise<{ spec: Spec; vocab: string[] }> {
  const p = rng.pick(PROVIDER_IDS);
  const sample = sampleOf(p);
  const length = rng.size(60_000);
  const meta = [
    ["provider", p],
    ["filename", `fz${rng.hex(6)}.${sample.ext}`],
    ["filetype", sample.type],
    ...Object.entries(sample.fields),
  ]
    .map(([k, v]) => `${k} ${b64(utf8(v ?? ""))}`)
    .join(",");
  const location = await setup.tus({
    "tus-resumable": "1.0.0",
    authorization: `Bearer ${KEY}`,
    "upload-length": String(length),
    "upload-metadata": meta,
  });
  let offset = 0;
  if (length > 1 && rng.chance(0.25)) {
    offset = rng.int(1, length - 1);
    await setup.patch(location, rng.bytes(offset), 0);
    notes.push(`after a first PATCH of ${offset}`);
  }
  let url = location;
  if (rng.chance(0.05)) {
    url = location.replace(
      /[0-9a-f-]{36}$/,
      rng.pick([crypto.randomUUID(), "x", "", "..", location.slice(-36).toUpperCase()]),
    );
    notes.push("other id");
  }
  const method = rng.weighted<string>([
    [12, "PATCH"],
    [3, "HEAD"],
    [2, "DELETE"],
    [1, "OPTIONS"],
    [1, "GET"],
    [1, "POST"],
    [1, "PUT"],
  ]);
  notes.push(`${method} of an upload of ${length}`);
  const headers: [string, string][] = [["tus-resumable", "1.0.0"], authHeader()];
  if (method !== "PATCH") return { spec: { method, url, headers, body: null, length: null }, vocab: [] };
  const remaining = length - offset;
  const n = rng.weighted<() => number>([
    [6, () => remaining],
    [3, () => rng.int(1, remaining)],
    [1, () => remaining + rng.int(1, 100)],
    [1, () => 0],
  ])();
  const body = rng.bytes(n);
  headers.push(["content-type", rng.chance(0.9) ? "application/offset+octet-stream" : rng.pick(ODD_TYPES)]);
  const offsetValue = rng.chance(0.85)
    ? String(offset)
    : rng.pick([
        "",
        "-1",
        String(offset + 1),
        String(Math.max(0, offset - 1)),
        "abc",
        `${offset}, ${offset}`,
        "1e2",
        ` ${offset}`,
        "99999999999999999",
      ]);
  if (offsetValue !== String(offset)) notes.push(`upload-offset ${JSON.stringify(offsetValue)}`);
  headers.push(["upload-offset", offsetValue]);
  if (rng.chance(0.15)) headers.push(["upload-checksum", await checksum(rng, body, notes)]);
  if (rng.chance(0.03)) {
    headers.push(["x-http-method-override", rng.pick(["DELETE", "HEAD", "PATCH"])]);
    notes.push("x-http-method-override");
  }
  return { spec: { method, url, headers, body: n ? body : null, length: n ? "auto" : "0" }, vocab: [] };
}

// --- staged content ----------------------------------------------------------------------------------------

async function content(rng: Rng, notes: string[], setup: Setup): Promise<{ spec: Spec; vocab: string[] }> {
  const size = rng.size(20_000);
  const { url: signedUrl, etag } = await setup.staged(rng.bytes(size), `fz${rng.hex(4)}.png`, "image/png");
  const url = new URL(signedUrl);
  if (rng.chance(0.15)) {
    const what = rng.pick(["signature", "expires", "id"]);
    if (what === "id") url.pathname = url.pathname.replace(/[0-9a-f-]{36}/, crypto.randomUUID());
    else url.searchParams.set(what, rng.pick(["", "x", "0", "-1", "1e12", "99999999999", "AAAA"]));
    notes.push(`${what} tampered`);
  }
  const headers: [string, string][] = [];
  const conditions = rng.int(0, 2);
  for (let i = 0; i < conditions; i++) {
    const [name, value] = rng.pick<() => [string, string]>([
      () => [
        "range",
        rng.pick([
          `bytes=0-0`,
          `bytes=0-${size - 1}`,
          `bytes=${size - 1}-`,
          `bytes=${size}-`,
          `bytes=${size + 10}-${size + 20}`,
          "bytes=-5",
          "bytes=-0",
          `bytes=-${size + 5}`,
          "bytes=5-2",
          "bytes=0-1,3-4",
          "bytes=abc",
          "items=0-1",
          "bytes=",
          "bytes=0-18446744073709551616",
          "bytes=-",
        ]),
      ],
      () => ["if-none-match", rng.pick([etag, "*", '"nope"', `W/${etag}`, "garbage"])],
      () => ["if-match", rng.pick([etag, "*", '"nope"', "garbage"])],
      () => [
        "if-modified-since",
        rng.pick(["Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 01 Jan 2100 00:00:00 GMT", "yesterday"]),
      ],
      () => [
        "if-unmodified-since",
        rng.pick(["Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 01 Jan 2100 00:00:00 GMT", "nonsense"]),
      ],
      () => ["if-range", rng.pick([etag, '"nope"', "Thu, 01 Jan 1970 00:00:00 GMT"])],
    ])();
    headers.push([name, value]);
    notes.push(`${name}: ${value}`);
  }
  const method = rng.chance(0.8) ? "GET" : rng.pick(["HEAD", "POST", "PUT", "DELETE", "OPTIONS"]);
  return { spec: { method, url: url.href, headers, body: null, length: null }, vocab: [] };
}

// --- any route ----------------------------------------------------------------------------------------------

function route(rng: Rng, notes: string[]): { spec: Spec; vocab: string[] } {
  const id = rng.pick([crypto.randomUUID(), "x", "%00", "..", "a".repeat(300), "__proto__", "%FF"]);
  const p = rng.chance(0.5) ? rng.pick(PROVIDER_IDS) : rng.pick(JUNK_PROVIDERS);
  const path = rng.pick([
    "/",
    "",
    "/healthz",
    "/openapi.json",
    "/v1",
    "/v1/",
    "/v1/providers",
    "/v1/providers/",
    `/v1/providers/${p}`,
    `/v1/providers/${p}/files`,
    `/v1/providers/${p}/files/`,
    `/v1/providers/${p}/files/x`,
    "/v1/uploads",
    `/v1/uploads/${id}`,
    `/v1/uploads/${id}/file`,
    `/v1/uploads/${id}/file?token=${rng.hex(20)}`,
    `/v1/uploads/${id}/retry`,
    "/v1/tus",
    "/v1/tus/",
    `/v1/tus/${id}`,
    `/v1/tus/${id}/x`,
    `/v1/files/${id}/content`,
    `/v1/files/${id}/content?expires=1&signature=x`,
    "/V1/PROVIDERS",
    "//v1/providers",
    "/v1//providers",
    "/v1/providers/%2e%2e/files",
    "/v1/%2e%2e/healthz",
    `/${rng.hex(8)}`,
  ]);
  const method = rng.pick(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "get", "TRACE"]);
  notes.push(`${method} ${path}`);
  const headers: [string, string][] = rng.chance(0.8) ? [authHeader()] : [];
  if (path.startsWith("/v1/tus") && rng.chance(0.7)) headers.push(["tus-resumable", "1.0.0"]);
  if (rng.chance(0.2)) headers.push(["content-type", rng.pick(ODD_TYPES)]);
  const body = rng.chance(0.3) ? rng.bytes(rng.size(4096)) : null;
  return {
    spec: { method, url: `${ORIGIN}${path}`, headers, body, length: body ? "auto" : null },
    vocab: [],
  };
}

// --- generic mutations --------------------------------------------------------------------------------------

const TOKENS = [
  "\r\n",
  "\r\n\r\n",
  "--",
  "\n",
  "\r",
  '"',
  ";",
  "=",
  ":",
  " ",
  "\t",
  "\u0000",
  "\\",
  'filename="x.png"',
  'name="file"',
  'Content-Disposition: form-data; name="file"; filename="x.png"\r\n',
  "Content-Type: image/png\r\n",
];

function position(rng: Rng, length: number): number {
  if (length === 0) return 0;
  return rng.weighted<() => number>([
    [3, () => rng.int(0, Math.min(length, 400))],
    [1, () => rng.int(Math.max(0, length - 80), length)],
    [2, () => rng.int(0, length)],
  ])();
}

/** A string with one character flipped, inserted or removed (header values). */
function mutateString(rng: Rng, s: string): string {
  const i = rng.int(0, s.length);
  return rng.pick<() => string>([
    () => s.slice(0, i) + String.fromCharCode(rng.int(1, rng.chance(0.9) ? 127 : 255)) + s.slice(i + 1),
    () =>
      s.slice(0, i) +
      latin1(rng.bytes(rng.int(1, 4)).map((b) => (rng.chance(0.9) ? b & 0x7f : b))) +
      s.slice(i),
    () => s.slice(0, i) + s.slice(i + 1),
    () => s.slice(0, i),
    () => s.toUpperCase(),
    () => ` ${s} `,
    () => s + s,
  ])();
}

const EXTRA_HEADERS: [string, string][] = [
  ["transfer-encoding", "chunked"],
  ["content-encoding", "gzip"],
  ["expect", "100-continue"],
  ["x-http-method-override", "PATCH"],
  ["upload-offset", "0"],
  ["upload-length", "10"],
  ["upload-metadata", "provider amltbXk="],
  ["tus-resumable", "1.0.0"],
  ["range", "bytes=0-1"],
  ["origin", "https://app.example"],
  ["access-control-request-method", "PUT"],
  ["content-disposition", 'attachment; filename="x.png"'],
  ["authorization", "Bearer other"],
  ["x-forwarded-for", "1.2.3.4"],
];

type Mutation = (rng: Rng, c: Case, vocab: string[]) => string | undefined;

const MUTATIONS: [number, Mutation][] = [
  [
    6,
    (rng, c) => {
      const b = c.spec.body;
      if (!b?.length) return undefined;
      const body = b.slice();
      const n = rng.int(1, 8);
      for (let i = 0; i < n; i++) {
        const at = Math.min(position(rng, body.length), body.length - 1);
        body[at] = rng.chance(0.5) ? (body[at] ?? 0) ^ (1 << rng.int(0, 7)) : rng.int(0, 255);
      }
      c.spec.body = body;
      return `${n} bytes flipped`;
    },
  ],
  [
    5,
    (rng, c, vocab) => {
      const b = c.spec.body ?? new Uint8Array(0);
      const at = position(rng, b.length);
      const piece = rng.weighted<() => Uint8Array>([
        [4, () => utf8(rng.pick([...TOKENS, ...vocab]))],
        [2, () => new Uint8Array(rng.pick(INVALID_UTF8))],
        [2, () => rng.bytes(rng.int(1, 32))],
      ])();
      c.spec.body = cat(b.subarray(0, at), piece, b.subarray(at)).subarray(0, MAX_BODY);
      return `inserted ${JSON.stringify(latin1(piece))} at ${at}`;
    },
  ],
  [
    4,
    (rng, c) => {
      const b = c.spec.body;
      if (!b?.length) return undefined;
      const at = position(rng, b.length);
      const n = rng.int(1, Math.max(1, Math.min(64, b.length - at)));
      c.spec.body = cat(b.subarray(0, at), b.subarray(at + n));
      return `deleted ${n} bytes at ${at}`;
    },
  ],
  [
    3,
    (rng, c) => {
      const b = c.spec.body;
      if (!b?.length) return undefined;
      const at = position(rng, b.length);
      c.spec.body = b.subarray(0, at);
      return `truncated to ${at}`;
    },
  ],
  [
    1,
    (rng, c) => {
      const b = c.spec.body;
      if (!b?.length) return undefined;
      const at = position(rng, b.length);
      const n = rng.int(1, Math.min(200, b.length - at) || 1);
      c.spec.body = cat(b.subarray(0, at + n), b.subarray(at, at + n), b.subarray(at + n)).subarray(
        0,
        MAX_BODY,
      );
      return `repeated ${n} bytes at ${at}`;
    },
  ],
  [
    4,
    (rng, c) => {
      const len = c.spec.body?.length ?? 0;
      const value = rng.weighted<() => string | null>([
        [3, () => null],
        [3, () => String(rng.int(0, Math.max(0, len - 1)))],
        [3, () => String(len + rng.int(1, 100_000))],
        [
          2,
          () =>
            rng.pick([
              "0",
              "-1",
              "",
              " ",
              "abc",
              "1e3",
              "0x10",
              "+10",
              "10.0",
              `${len}, ${len}`,
              `${len},${len + 1}`,
              ` ${len}`,
              `0${len}`,
              "104857601",
              "99999999999999999999",
              "9007199254740993",
            ]),
        ],
      ])();
      c.spec.length = value;
      return `content-length ${value === null ? "absent" : JSON.stringify(value)}`;
    },
  ],
  [
    3,
    (rng, c) => {
      const value = rng.pick(ODD_TYPES);
      if (value) setHeader(c.spec, "content-type", headerSafe(value));
      else removeHeader(c.spec, "content-type");
      return `content-type ${JSON.stringify(value)}`;
    },
  ],
  [
    2,
    (rng, c) => {
      if (!c.spec.headers.length) return undefined;
      const at = rng.int(0, c.spec.headers.length - 1);
      const [name] = c.spec.headers.splice(at, 1)[0] as [string, string];
      return `without ${name}`;
    },
  ],
  [
    2,
    (rng, c) => {
      if (!c.spec.headers.length) return undefined;
      const [name, value] = rng.pick(c.spec.headers);
      const again = rng.chance(0.5) ? value : mutateString(rng, value);
      c.spec.headers.push([name, again]);
      return `${name} twice`;
    },
  ],
  [
    3,
    (rng, c) => {
      if (!c.spec.headers.length) return undefined;
      const at = rng.int(0, c.spec.headers.length - 1);
      const [name, value] = c.spec.headers[at] as [string, string];
      c.spec.headers[at] = [name, mutateString(rng, value)];
      return `${name} mutated to ${JSON.stringify(c.spec.headers[at]?.[1].slice(0, 60))}`;
    },
  ],
  [
    2,
    (rng, c) => {
      const header = rng.pick(EXTRA_HEADERS);
      c.spec.headers.push(header);
      if (header[0] === "origin" && rng.chance(0.5))
        c.spec.env = { ALLOWED_ORIGINS: rng.pick(["*", "https://app.example"]) };
      return `+ ${header[0]}: ${header[1]}`;
    },
  ],
  [
    2,
    (rng, c) => {
      const auth = getHeader(c.spec, "authorization");
      const value = rng.pick([
        null,
        "Bearer",
        "Bearer ",
        `bearer ${KEY}`,
        `Bearer  ${KEY}`,
        `Bearer ${KEY} `,
        `Bearer ${KEY}x`,
        `Basic ${btoa(`x:${KEY}`)}`,
        KEY,
        `Bearer ${KEY}, Bearer ${KEY}`,
        "Bearer ÿ",
      ]);
      if (value === null) removeHeader(c.spec, "authorization");
      else setHeader(c.spec, "authorization", value);
      return `authorization ${value === null ? "absent" : JSON.stringify(value)}${auth ? "" : " (was absent)"}`;
    },
  ],
  [
    2,
    (rng, c) => {
      const method = rng.pick(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "post"]);
      c.spec.method = method.toUpperCase();
      return `method ${method}`;
    },
  ],
  [
    2,
    (rng, c) => {
      const url = new URL(c.spec.url);
      const segments = url.pathname.split("/");
      const at = rng.int(1, Math.max(1, segments.length - 1));
      const what = rng.pick([
        "segment mutated",
        "segment upper-cased",
        "trailing slash",
        "double slash",
        "segment removed",
        "segment %2e%2e",
        "segment %00",
      ]);
      const segment = segments[at] ?? "";
      if (what === "segment mutated") segments[at] = mutateString(rng, segment).replace(/[?#]/g, "");
      else if (what === "segment upper-cased") segments[at] = segment.toUpperCase();
      else if (what === "trailing slash") segments.push("");
      else if (what === "double slash") segments.splice(at, 0, "");
      else if (what === "segment removed") segments.splice(at, 1);
      else if (what === "segment %2e%2e") segments[at] = "%2e%2e";
      else segments[at] = `${segment}%00`;
      const path = segments.join("/");
      c.spec.url = `${url.origin}${path.startsWith("/") ? "" : "/"}${path}${url.search}`;
      return `path ${what}: ${path.slice(0, 80)}`;
    },
  ],
  [
    2,
    (rng, c) => {
      const param = rng.pick([
        "filename=x.png",
        "filename=",
        "filename=%FF%FE.png",
        "filename=a%00b.png",
        "purpose=voice_clone",
        "purpose=",
        "user=",
        "account=a%0Ab",
        "token=x",
        "%zz=1",
        "a=%",
        "&",
        "=",
        "__proto__=1",
        `user=${"u".repeat(300)}`,
      ]);
      c.spec.url += `${c.spec.url.includes("?") ? "&" : "?"}${param}`;
      return `query + ${param.slice(0, 40)}`;
    },
  ],
  [
    2,
    (rng, c) => {
      const b = c.spec.body;
      if (!b?.length) return undefined;
      const chunks: number[] = [];
      let left = b.length;
      while (left > 0 && chunks.length < 64) {
        const n = rng.chance(0.05) ? 0 : Math.min(left, rng.int(1, rng.chance(0.5) ? 16 : 4096));
        chunks.push(n);
        left -= n;
      }
      const fail = rng.chance(0.15);
      c.spec.stream = { chunks, fail };
      return `streamed in ${chunks.length}+ reads${fail ? ", then the stream fails" : ""}`;
    },
  ],
];

/** How many generic mutations on top of a family's own: often none, so valid requests get through too. */
function mutationCount(rng: Rng): number {
  return rng.weighted<number>([
    [30, 0],
    [30, 1],
    [20, 2],
    [12, 3],
    [8, 5],
  ]);
}

export async function generate(rng: Rng, setup: Setup): Promise<Case> {
  const family = rng.weighted<Family>([
    [24, "multipart"],
    [14, "raw"],
    [10, "signed"],
    [16, "json"],
    [11, "tus-create"],
    [13, "tus-resource"],
    [4, "content"],
    [8, "route"],
  ]);
  const notes: string[] = [];
  const made =
    family === "multipart"
      ? multipart(rng, notes)
      : family === "raw"
        ? raw(rng, notes)
        : family === "signed"
          ? await signed(rng, notes, setup)
          : family === "json"
            ? json(rng, notes)
            : family === "tus-create"
              ? await tusCreate(rng, notes, setup)
              : family === "tus-resource"
                ? await tusResource(rng, notes, setup)
                : family === "content"
                  ? await content(rng, notes, setup)
                  : route(rng, notes);
  const c: Case = { family, notes, spec: made.spec };
  const count = mutationCount(rng);
  for (let i = 0; i < count; i++) {
    const note = rng.weighted(MUTATIONS)(rng, c, made.vocab);
    if (note) notes.push(note);
  }
  return c;
}
