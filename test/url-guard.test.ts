// The outbound-URL guard (worker/core/url-guard.ts) on its own: every spelling of a private address that
// WHATWG URL parsing (here, workerd's) accepts, and what the development switch opens.
import { describe, expect, it } from "vitest";
import { checkUrl, type UrlPolicy, type UrlRule } from "../worker/core/url-guard";

const strict: UrlPolicy = { schemes: ["https:"], allowPrivate: false };
const dev: UrlPolicy = { ...strict, allowPrivate: true };

const refused: [string, UrlRule][] = [
  // Loopback, in every spelling the URL parser folds into 127.0.0.1.
  ["https://127.0.0.1/hook", "private_address"],
  ["https://127.1/hook", "private_address"],
  ["https://2130706433/hook", "private_address"],
  ["https://0x7f000001/hook", "private_address"],
  ["https://0x7f.1/hook", "private_address"],
  ["https://0177.0.0.1/hook", "private_address"],
  ["https://%31%32%37.0.0.1/hook", "private_address"],
  ["https://127。0。0。1/hook", "private_address"],
  ["https://①②⑦.0.0.1/hook", "private_address"],
  ["https://127.0.0.1./hook", "private_address"],
  ["https://127.255.255.254/hook", "private_address"],
  ["https://[::1]/hook", "private_address"],
  ["https://[0:0:0:0:0:0:0:1]/hook", "private_address"],
  // IPv6 forms that embed an IPv4 address.
  ["https://[::ffff:127.0.0.1]/hook", "private_address"],
  ["https://[::ffff:7f00:1]/hook", "private_address"],
  ["https://[0:0:0:0:0:ffff:7f00:1]/hook", "private_address"],
  ["https://[::127.0.0.1]/hook", "private_address"],
  ["https://[::ffff:169.254.169.254]/hook", "private_address"],
  ["https://[::ffff:10.0.0.5]/hook", "private_address"],
  ["https://[64:ff9b::a9fe:a9fe]/hook", "private_address"],
  ["https://[2002:7f00:1::]/hook", "private_address"],
  ["https://[::8.8.8.8]/hook", "private_address"],
  // IPv4-translated (SIIT, RFC 2765 ::ffff:0:a.b.c.d), dotted and hex, compressed and full.
  ["https://[::ffff:0:7f00:1]/", "private_address"],
  ["https://[::ffff:0:127.0.0.1]/hook", "private_address"],
  ["https://[0:0:0:0:ffff:0:7f00:1]/hook", "private_address"],
  ["https://[::ffff:0:a9fe:a9fe]/hook", "private_address"],
  ["https://[::ffff:0:10.0.0.5]/hook", "private_address"],
  ["https://[::ffff:0:c0a8:101]/hook", "private_address"],
  // NAT64 (well-known prefix, RFC 6052; local-use RFC 8215), dotted and hex.
  ["https://[64:ff9b::127.0.0.1]/hook", "private_address"],
  ["https://[64:ff9b::7f00:1]/hook", "private_address"],
  ["https://[64:ff9b:0:0:0:0:10.0.0.1]/hook", "private_address"],
  ["https://[64:ff9b:1::808:808]/hook", "private_address"],
  // 6to4 (2002:AABB:CCDD::/48 embeds AA.BB.CC.DD).
  ["https://[2002:a9fe:a9fe::1]/hook", "private_address"],
  ["https://[2002:0a00:0005:1::1]/hook", "private_address"],
  ["https://[2002:c0a8:0101::]/hook", "private_address"],
  // Teredo (2001::/32: server IPv4 in bits 32–63, client IPv4 inverted in the last 32 bits).
  ["https://[2001:0:7f00:1::]/hook", "private_address"],
  ["https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook", "private_address"],
  ["https://[2001::ffff:ffff:80ff:fffe]/hook", "private_address"],
  // IPv4-compatible (deprecated ::a.b.c.d), dotted and hex.
  ["https://[::7f00:1]/hook", "private_address"],
  ["https://[::10.0.0.5]/hook", "private_address"],
  ["https://[0:0:0:0:0:0:a9fe:a9fe]/hook", "private_address"],
  // Any number of trailing dots: the name (or address) is the same one.
  ["https://127.0.0.1../hook", "private_address"],
  ["https://127.0.0.1.../hook", "private_address"],
  ["https://0x7f.1../hook", "private_address"],
  ["https://2130706433.../hook", "private_address"],
  ["https://169.254.169.254....../latest/meta-data/", "private_address"],
  // Private, link-local and metadata, CGNAT, unspecified, and the rest of RFC 6890.
  ["https://10.0.0.5/hook", "private_address"],
  ["https://167772165/hook", "private_address"],
  ["https://172.16.0.1/hook", "private_address"],
  ["https://172.31.255.255/hook", "private_address"],
  ["https://192.168.1.1/hook", "private_address"],
  ["https://169.254.169.254/latest/meta-data/", "private_address"],
  ["https://0xa9fea9fe/hook", "private_address"],
  ["https://100.64.0.1/hook", "private_address"],
  ["https://100.100.100.200/hook", "private_address"],
  ["https://192.0.0.192/hook", "private_address"],
  ["https://0.0.0.0/hook", "private_address"],
  ["https://0/hook", "private_address"],
  ["https://224.0.0.1/hook", "private_address"],
  ["https://255.255.255.255/hook", "private_address"],
  ["https://[::]/hook", "private_address"],
  ["https://[fe80::1]/hook", "private_address"],
  ["https://[febf::1]/hook", "private_address"],
  ["https://[fc00::1]/hook", "private_address"],
  ["https://[fd00:ec2::254]/hook", "private_address"],
  ["https://[ff02::1]/hook", "private_address"],
  ["https://[2001:db8::1]/hook", "private_address"],
  // Names that can only be local.
  ["https://localhost/hook", "local_name"],
  ["https://LOCALHOST./hook", "local_name"],
  ["https://localhost../", "local_name"],
  ["https://LOCALHOST.../hook", "local_name"],
  ["https://api.localhost..../hook", "local_name"],
  ["https://printer.local../hook", "local_name"],
  ["https://metadata.google.internal../computeMetadata/v1/", "local_name"],
  ["https://intranet../hook", "local_name"],
  ["https://api.localhost/hook", "local_name"],
  ["https://printer.local/hook", "local_name"],
  ["https://metadata.google.internal/computeMetadata/v1/", "local_name"],
  ["https://router.home.arpa/hook", "local_name"],
  ["https://intranet/hook", "local_name"],
  // Credentials, schemes, ports.
  ["https://user:pw@api.example.com/hook", "credentials"],
  ["https://user@api.example.com/hook", "credentials"],
  ["https://:pw@api.example.com/hook", "credentials"],
  ["http://api.example.com/hook", "scheme"],
  ["http://127.0.0.1/hook", "scheme"],
  ["http://[::1]/hook", "scheme"],
  ["http://127.1/hook", "scheme"],
  ["http://0x7f000001/hook", "scheme"],
  ["ftp://api.example.com/hook", "scheme"],
  ["file:///etc/passwd", "scheme"],
  ["javascript:alert(1)", "scheme"],
  ["https://api.example.com:25/hook", "port"],
  ["https://api.example.com:0/hook", "port"],
  ["not a url", "not_a_url"],
  ["/relative/hook", "not_a_url"],
  ["https://[fe80::1%25eth0]/hook", "not_a_url"],
];

const allowed = [
  "https://api.example.com/hooks/mediagate",
  "https://api.example.com:8443/hooks/mediagate",
  "https://8.8.8.8/hook",
  "https://172.32.0.1/hook",
  "https://100.128.0.1/hook",
  "https://[2606:4700:4700::1111]/hook",
  "https://[::ffff:8.8.8.8]/hook",
  "https://[64:ff9b::808:808]/hook",
  "https://xn--bcher-kva.example/hook",
  "https://api.example.com../hook",
  "https://[::ffff:0:808:808]/hook",
  "https://[2002:808:808::1]/hook",
  "https://8.8.8.8../hook",
];

describe("checkUrl", () => {
  it.each(refused)("refuses %s (%s)", (input, rule) => {
    const check = checkUrl(input, strict);
    expect(check.ok ? "allowed" : check.rule).toBe(rule);
  });

  it.each(allowed)("allows %s", (input) => {
    expect(checkUrl(input, strict)).toMatchObject({ ok: true });
  });

  it("names the rule and the range in its reason", () => {
    expect(checkUrl("https://0xa9fea9fe/", strict)).toEqual({
      ok: false,
      rule: "private_address",
      reason: "is refused: 169.254.169.254 is link-local (cloud metadata, 169.254.169.254) (169.254.0.0/16)",
    });
    expect(checkUrl("https://[::ffff:10.0.0.5]/", strict)).toMatchObject({
      reason: "is refused: [::ffff:a00:5] embeds 10.0.0.5 is private (10.0.0.0/8)",
    });
  });

  it("returns the URL as parsed: the normalized host is what gets fetched", () => {
    const check = checkUrl("https://API.Example.com/a/../hook?x=1", strict);
    expect(check.ok && check.url.href).toBe("https://api.example.com/hook?x=1");
  });

  it("ALLOW_PRIVATE_NETWORK: localhost, private hosts and plain http to them; never credentials", () => {
    for (const input of [
      "http://127.0.0.1:8787/hook",
      "http://localhost:8787/hook",
      "http://[::1]/hook",
      "http://10.0.0.5/hook",
      "https://192.168.1.1/hook",
      "https://localhost/hook",
    ]) {
      expect(checkUrl(input, dev), input).toMatchObject({ ok: true });
    }
    expect(checkUrl("http://api.example.com/hook", dev)).toMatchObject({ ok: false, rule: "scheme" });
    expect(checkUrl("http://u:p@127.0.0.1/hook", dev)).toMatchObject({ ok: false, rule: "credentials" });
    expect(checkUrl("http://127.0.0.1:6000/hook", dev)).toMatchObject({ ok: false, rule: "port" });
  });

  it("a port policy names the ports accepted", () => {
    const only443: UrlPolicy = { ...strict, ports: [443] };
    expect(checkUrl("https://api.example.com/hook", only443)).toMatchObject({ ok: true });
    expect(checkUrl("https://api.example.com:443/hook", only443)).toMatchObject({ ok: true });
    expect(checkUrl("https://api.example.com:8443/hook", only443)).toMatchObject({ ok: false, rule: "port" });
  });
});
