// The adapter registry: one adapter per provider in the capability table.
import type { ProviderId } from "../capabilities";
import { dify } from "./dify";
import { jimmy } from "./jimmy";
import { minimax } from "./minimax";
import type { ProviderAdapter } from "./types";
import { useapi } from "./useapi";
import { wavespeed } from "./wavespeed";

export const ADAPTERS = { jimmy, dify, minimax, useapi, wavespeed } as const satisfies Record<
  ProviderId,
  ProviderAdapter
>;
