// Each provider's adapter, by id. The compiler holds this table to the provider table: a provider in
// table.ts without its adapter here fails `tsc`.

import { dify } from "./dify/adapter";
import { fal } from "./fal/adapter";
import { gemini } from "./gemini/adapter";
import { jimmy } from "./jimmy/adapter";
import type { ProviderId } from "./kit/capability";
import type { ProviderAdapter } from "./kit/types";
import { minimax } from "./minimax/adapter";
import { openai } from "./openai/adapter";
import { replicate } from "./replicate/adapter";
import { useapi } from "./useapi/adapter";
import { wavespeed } from "./wavespeed/adapter";

const ADAPTERS = {
  jimmy,
  dify,
  minimax,
  useapi,
  wavespeed,
  openai,
  gemini,
  fal,
  replicate,
} as const satisfies Record<ProviderId, ProviderAdapter>;

export const adapter = (id: ProviderId): ProviderAdapter => ADAPTERS[id];
