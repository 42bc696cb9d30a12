// The provider registry: every provider folder's facts (its provider.ts), one line each. Everything else
// derives from it: validation, GET /v1/providers, config (env var names), the generator's spec list and the
// gateway spec's ProviderId enum, the docs' tables, `npm start`'s and the tests' sandbox wiring. Data only,
// with explicit .ts imports, so Node scripts import this file as it is. Adapters: ./adapters.ts.
import { LIMITS } from "../core/limits.ts";
import dify from "./dify/provider.ts";
import fal from "./fal/provider.ts";
import gemini from "./gemini/provider.ts";
import jimmy from "./jimmy/provider.ts";
import type { Capability, ProviderId } from "./kit/capability.ts";
import minimax from "./minimax/provider.ts";
import openai from "./openai/provider.ts";
import replicate from "./replicate/provider.ts";
import useapi from "./useapi/provider.ts";
import wavespeed from "./wavespeed/provider.ts";

/** Adding a provider: its spec, its folder, and one line here (docs/contributing.md, "Adding a provider"). */
export const CAPABILITIES = {
  jimmy,
  dify,
  minimax,
  useapi,
  wavespeed,
  openai,
  gemini,
  fal,
  replicate,
} as const satisfies Record<ProviderId, Capability>;

export const PROVIDER_IDS = Object.keys(CAPABILITIES) as ProviderId[];

export function isProviderId(id: string): id is ProviderId {
  return Object.hasOwn(CAPABILITIES, id);
}

export function capability(id: ProviderId): Capability {
  return CAPABILITIES[id];
}

/** The most a provider takes through the resumable API: its own limit, within the gateway's (R2's). */
export const resumableLimit = (cap: Capability) =>
  Math.min(cap.maxBytes ?? LIMITS.resumableMaxBytes, LIMITS.resumableMaxBytes);
