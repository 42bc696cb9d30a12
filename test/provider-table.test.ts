/// <reference types="vite/client" />
// The provider registry is the one list: its ids, the folders under worker/providers/, the gateway spec's
// ProviderId enum, the adapters and the env var names all agree (a sixth provider is a folder and a line).
import { describe, expect, it } from "vitest";
import spec from "../generated/gateway.openapi.json";
import { adapter } from "../worker/providers/adapters";
import { providerConfig } from "../worker/providers/config";
import { envNames } from "../worker/providers/kit/capability";
import { CAPABILITIES, PROVIDER_IDS } from "../worker/providers/table";
import { gatewayEnv } from "./helpers";

const folders = Object.keys(import.meta.glob("../worker/providers/*/provider.ts")).map(
  (path) => path.split("/").at(-2) ?? "",
);

describe("the provider registry", () => {
  it("lists every provider folder, and only those", () => {
    expect([...folders].sort()).toEqual([...PROVIDER_IDS].sort());
  });

  it("is the gateway spec's ProviderId enum, in order", () => {
    expect(spec.components.schemas.ProviderId.enum).toEqual(PROVIDER_IDS);
  });

  it("gives each provider its own id, spec, adapter and env var names", () => {
    for (const id of PROVIDER_IDS) {
      expect(CAPABILITIES[id].id).toBe(id);
      expect(CAPABILITIES[id].spec).toBe(`${id}.yaml`);
      expect(adapter(id).id).toBe(id);
      expect(envNames(id)).toEqual({
        apiKey: `${id.toUpperCase()}_API_KEY`,
        baseUrl: `${id.toUpperCase()}_BASE_URL`,
      });
    }
  });

  it("configures a provider from its two vars, and only when its key is set", () => {
    for (const id of PROVIDER_IDS) {
      const { apiKey, baseUrl } = envNames(id);
      expect(providerConfig(gatewayEnv({ [apiKey]: undefined }), id)).toBeUndefined();
      const config = providerConfig(gatewayEnv({ [apiKey]: " k ", [baseUrl]: "https://p.example/x" }), id);
      expect(config).toMatchObject({ apiKey: "k", baseUrl: "https://p.example/x" });
      expect(providerConfig(gatewayEnv({ [apiKey]: "k", [baseUrl]: "" }), id)?.baseUrl).toBe(
        CAPABILITIES[id].defaultBaseUrl,
      );
    }
  });
});
