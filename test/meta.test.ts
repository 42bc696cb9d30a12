// GET /healthz, GET /v1/providers: the capability table as the API reports it. (GET /openapi.json is a
// static asset: test/e2e/readme.e2e.test.ts fetches it from `npm start`.)
import { describe, expect, it } from "vitest";
import type { components } from "../generated/gateway";
import spec from "../generated/gateway.openapi.json";
import schemas from "../generated/gateway.schemas.json";
import { capability, PROVIDER_IDS } from "../worker/providers/table";
import { call, KEY } from "./helpers";

const get = (path: string, auth = true) =>
  new Request(`http://gw${path}`, { headers: auth ? { authorization: `Bearer ${KEY}` } : {} });

describe("meta routes", () => {
  it("GET /healthz needs no key", async () => {
    const res = await call(get("/healthz", false), { GATEWAY_API_KEYS: undefined });
    expect(await res.json()).toEqual({ status: "ok" });
  });
});

describe("GET /v1/providers", () => {
  it("lists every provider from the capability table, with limits capped by MAX_REQUEST_BYTES", async () => {
    const res = await call(get("/v1/providers"), {
      MAX_REQUEST_BYTES: "50000000",
      USEAPI_ACCOUNT: "acct-1",
      DIFY_API_KEY: undefined,
    });
    const { providers } = (await res.json()) as { providers: components["schemas"]["Provider"][] };
    expect(providers.map((p) => p.id)).toEqual(PROVIDER_IDS);
    const byId = Object.fromEntries(providers.map((p) => [p.id, p]));
    expect(byId.jimmy).toMatchObject({
      max_bytes: 50_000_000,
      provider_max_bytes: 100 * 1024 * 1024,
      body: "multipart",
      configured: true,
    });
    expect(byId.useapi).toMatchObject({
      max_bytes: 50_000_000,
      provider_max_bytes: 5_000_000_000,
      body: "raw",
    });
    expect(byId.useapi?.fields).toEqual([
      expect.objectContaining({ name: "account", required: false, default: "acct-1" }),
    ]);
    expect(byId.dify).toMatchObject({ accepted: null, configured: false });
    expect(byId.wavespeed).toMatchObject({ retention_seconds: 7 * 86400 });
    const purpose = byId.minimax?.fields[0];
    expect(purpose?.values?.map((v) => v.value)).toEqual([
      "voice_clone",
      "prompt_audio",
      "t2a_async_input",
      "video_understanding",
    ]);
    const jimmyTypes = byId.jimmy?.accepted ?? [];
    expect(jimmyTypes.map((t) => t.extension)).toEqual(capability("jimmy").accepted);
    expect(jimmyTypes.find((t) => t.extension === "mov")).toEqual({
      extension: "mov",
      mime_types: ["video/quicktime"],
      kind: "video",
      // The sniffing table's types for .mov: its ISO base media family.
      detected_types: ["audio/mp4", "video/quicktime", "video/3gpp", "video/mp4"],
    });
    // An extension without a magic number is listed with none: it is never refused by sniffing.
    expect(jimmyTypes.find((t) => t.extension === "svg")?.detected_types).toEqual([]);
  });

  it("needs the gateway key", async () => {
    expect((await call(get("/v1/providers", false))).status).toBe(401);
  });
});

describe("request-body validation", () => {
  it("validates against the spec's own schemas: the Worker's copy is the spec's without its prose", () => {
    const strip = (node: unknown, names = false): unknown => {
      if (Array.isArray(node)) return node.map((n) => strip(n));
      if (node === null || typeof node !== "object") return node;
      return Object.fromEntries(
        Object.entries(node)
          .filter(([k]) => names || !["description", "summary", "example", "examples"].includes(k))
          .map(([k, v]) => [k, strip(v, !names && k === "properties")]),
      );
    };
    expect(schemas.components.schemas).toEqual(strip(spec.components.schemas));
    // A property named "description" (the Field schema's) is kept.
    expect(Object.keys(schemas.components.schemas.Field.properties)).toContain("description");
  });
});
