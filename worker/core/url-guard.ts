// The one check for URLs the gateway will fetch on someone's say-so (callback_url, and URL imports with
// every redirect they follow): no credentials, an allowed scheme and port, and no host that reaches the gateway's own network.
// IP literals are classified after WHATWG URL parsing, which already folds every spelling into one form
// (2130706433, 0x7f000001, 0177.0.0.1, 127.1 and ①②⑦.0.0.1 all become 127.0.0.1; IPv6 is compressed and
// lower-cased, [::ffff:127.0.0.1] becomes [::ffff:7f00:1]), and hosts are judged without their trailing
// dots, however many; IPv6 forms that embed an IPv4 address (mapped, translated, compatible, NAT64, 6to4)
// are judged by that address, and Teredo and local-use NAT64 are refused outright. Names are not resolved (a Worker cannot
// resolve before it fetches): names that are local by definition are refused, the rest is left to
// Cloudflare's egress, which does not reach a private network.

export interface UrlPolicy {
  /** Schemes accepted, with the colon: ["https:"]. */
  readonly schemes: readonly string[];
  /**
   * Ports accepted when the URL names one; undefined: any port outside the Fetch standard's bad ports
   * (https://fetch.spec.whatwg.org/#port-blocking), which browsers refuse for the same reason.
   */
  readonly ports?: readonly number[];
  /**
   * Development only (ALLOW_PRIVATE_NETWORK): localhost, private and local addresses, and plain http to
   * them (never to a public host). Credentials and bad ports stay refused.
   */
  readonly allowPrivate: boolean;
}

/** Why a URL was refused: a stable name for the rule, and a sentence for people. */
export type UrlRule = "not_a_url" | "scheme" | "credentials" | "port" | "private_address" | "local_name";
export type UrlCheck =
  | { readonly ok: true; readonly url: URL }
  | { readonly ok: false; readonly rule: UrlRule; readonly reason: string };

/** https://fetch.spec.whatwg.org/#bad-port */
const BAD_PORTS = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104,
  109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515,
  526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049,
  3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** IPv4 ranges that are not the public internet (RFC 6890 special-purpose registry), with their names. */
const V4_RANGES: readonly [string, number, string][] = [
  ["0.0.0.0", 8, "this network (unspecified)"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "carrier-grade NAT (also Alibaba Cloud's metadata, 100.100.100.200)"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local (cloud metadata, 169.254.169.254)"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "IETF protocol assignments (Oracle Cloud's metadata, 192.0.0.192)"],
  ["192.0.2.0", 24, "documentation"],
  ["192.88.99.0", 24, "6to4 relay anycast"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved (and broadcast)"],
];

/** IPv6 ranges refused outright (prefix groups, prefix length, name). Embedded IPv4 forms come first. */
const V6_RANGES: readonly [number[], number, string][] = [
  [[0, 0, 0, 0, 0, 0, 0, 0], 128, "unspecified"],
  [[0, 0, 0, 0, 0, 0, 0, 1], 128, "loopback"],
  [[0, 0, 0, 0, 0, 0], 96, "IPv4-compatible (deprecated)"],
  [[0x64, 0xff9b, 1], 48, "local-use NAT64"],
  [[0x100], 64, "discard-only"],
  [[0x2001, 0], 32, "Teredo (hides an IPv4 address)"],
  [[0x2001, 0xdb8], 32, "documentation"],
  [[0xfc00], 7, "unique local (fd00:ec2::254 is AWS's metadata)"],
  [[0xfe80], 10, "link-local"],
  [[0xfec0], 10, "site-local (deprecated)"],
  [[0xff00], 8, "multicast"],
];

/** Names that are local by definition: RFC 6761 localhost, mDNS .local, .internal, .home.arpa. */
const LOCAL_SUFFIXES = ["localhost", "local", "internal", "home.arpa"];

const v4Number = (dotted: string): number | null => {
  const parts = dotted.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
};

const inV4 = (n: number, [base, bits]: readonly [string, number, string]) => {
  const size = 2 ** (32 - bits);
  return Math.floor(n / size) === Math.floor((v4Number(base) ?? 0) / size);
};

const v4Dotted = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/** The eight 16-bit groups of an IPv6 literal (brackets stripped), or null if it is not one. */
function v6Groups(literal: string): number[] | null {
  let text = literal;
  // A trailing dotted IPv4 (::ffff:1.2.3.4) as two groups; WHATWG serialization never emits one.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail?.[1]) {
    const n = v4Number(tail[1]);
    if (n === null) return null;
    text = `${text.slice(0, -tail[1].length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (s: string) =>
    s === "" ? [] : s.split(":").map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : Number.NaN));
  const head = parse(halves[0] ?? "");
  const rest = halves.length === 2 ? parse(halves[1] ?? "") : [];
  const fill = 8 - head.length - rest.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  const groups = [...head, ...Array<number>(halves.length === 2 ? fill : 0).fill(0), ...rest];
  return groups.some(Number.isNaN) ? null : groups;
}

const inV6 = (groups: number[], [prefix, bits]: readonly [number[], number, string]) => {
  for (let i = 0; i * 16 < bits; i++) {
    const take = Math.min(16, bits - i * 16);
    const mask = (0xffff << (16 - take)) & 0xffff;
    if (((groups[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
};

/** The IPv4 address an IPv6 literal stands for, if it embeds one. */
function embeddedV4(g: number[]): string | null {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, hi = 0, lo = 0] = g;
  const zero64 = a === 0 && b === 0 && c === 0 && d === 0;
  const zeroPrefix = zero64 && e === 0;
  if (zeroPrefix && f === 0xffff) return v4Dotted(hi, lo); // IPv4-mapped ::ffff:a.b.c.d
  if (zero64 && e === 0xffff && f === 0) return v4Dotted(hi, lo); // IPv4-translated (SIIT) ::ffff:0:a.b.c.d
  if (zeroPrefix && f === 0 && (hi !== 0 || lo > 1)) return v4Dotted(hi, lo); // IPv4-compatible ::a.b.c.d
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) return v4Dotted(hi, lo); // NAT64
  if (a === 0x2002) return v4Dotted(b, c); // 6to4
  return null;
}

/** What a host literal is, when it is not public: "10.0.0.5 is private (10.0.0.0/8)". */
function privateAddress(hostname: string): string | null {
  if (hostname.startsWith("[")) {
    const groups = v6Groups(hostname.slice(1, -1));
    if (!groups) return `${hostname} is not an IPv6 address`;
    const v4 = embeddedV4(groups);
    const why = v4 === null ? null : privateAddress(v4);
    if (why !== null) return `${hostname} embeds ${why}`;
    const range = V6_RANGES.find((r) => inV6(groups, r));
    return range ? `${hostname} is ${range[2]}` : null;
  }
  const n = v4Number(hostname);
  if (n === null) return null;
  const range = V4_RANGES.find((r) => inV4(n, r));
  return range ? `${hostname} is ${range[2]} (${range[0]}/${range[1]})` : null;
}

/**
 * The host as a resolver takes it: without its trailing dots, any number of them ("localhost..", and
 * "127.0.0.1.." which WHATWG parsing leaves a name, since it drops one empty last label only), and an
 * address spelled as a name folded by the same parser (0x7f.1.. is 127.0.0.1). Null when the host, dots
 * dropped, is no valid host (999.1.1.1).
 */
function canonicalHost(hostname: string): string | null {
  const bare = hostname.replace(/\.+$/, "");
  if (bare === hostname || hostname.startsWith("[")) return hostname;
  try {
    return new URL(`https://${bare}/`).hostname;
  } catch {
    return null;
  }
}

/** A name that can only mean this machine or its network: localhost, *.local, single labels, … */
function localName(name: string): boolean {
  if (name.startsWith("[")) return false;
  if (!name.includes(".")) return true;
  return LOCAL_SUFFIXES.some((s) => name === s || name.endsWith(`.${s}`));
}

/** Checks `input` against `policy`; the URL as parsed (and to be fetched) when it passes. */
export function checkUrl(input: string, policy: UrlPolicy): UrlCheck {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, rule: "not_a_url", reason: "is not an absolute URL" };
  }
  const host = canonicalHost(url.hostname);
  if (host === null)
    return { ok: false, rule: "not_a_url", reason: `has a host that is no valid name or address` };
  const address = privateAddress(host);
  const name = address === null && localName(host) ? `"${url.hostname}" names a local host` : null;
  const local = address !== null || name !== null;
  // Plain http only to this machine or its network, in development: never across the internet.
  const devHttp = policy.allowPrivate && local && url.protocol === "http:";
  if (!policy.schemes.includes(url.protocol) && !devHttp) {
    const schemes = policy.schemes.map((s) => s.replace(/:$/, "")).join(" or ");
    return { ok: false, rule: "scheme", reason: `must use ${schemes}` };
  }
  if (url.username !== "" || url.password !== "") {
    return { ok: false, rule: "credentials", reason: "must not carry credentials (user:password@)" };
  }
  if (url.port !== "") {
    const port = Number(url.port);
    const allowed = policy.ports ? policy.ports.includes(port) : !BAD_PORTS.has(port);
    if (!allowed) return { ok: false, rule: "port", reason: `must not use port ${port}` };
  }
  if (policy.allowPrivate) return { ok: true, url };
  if (address !== null) return { ok: false, rule: "private_address", reason: `is refused: ${address}` };
  if (name !== null) return { ok: false, rule: "local_name", reason: `is refused: ${name}` };
  return { ok: true, url };
}

/** Ports an import URL (or a redirect it follows) may name in production: HTTPS's and its usual alternative. */
export const IMPORT_PORTS: readonly number[] = [443, 8443];

/**
 * The policy for imports: https on 443 or 8443 to public hosts; in development (ALLOW_PRIVATE_NETWORK) also
 * plain http to local hosts and any port outside the bad ports. Credentials are refused either way.
 */
export function importPolicy(allowPrivate: boolean): UrlPolicy {
  return allowPrivate
    ? { schemes: ["https:"], allowPrivate }
    : { schemes: ["https:"], ports: IMPORT_PORTS, allowPrivate };
}
