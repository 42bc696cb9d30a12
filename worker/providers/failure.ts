// The adapter boundary: a provider failure (data) becomes one of our problems, naming the provider and
// its status/code.

import { GatewayError } from "../core/errors";
import type { ProviderId } from "./capability";
import { capability } from "./registry";
import type { ProviderFailure } from "./types";

export function toGatewayError(provider: ProviderId, failure: ProviderFailure): GatewayError {
  const name = capability(provider).name;
  return new GatewayError(failure.code, `${name}: ${failure.detail}`, {
    extras: {
      provider,
      ...(failure.status === undefined ? {} : { provider_status: failure.status }),
      ...(failure.providerCode === undefined ? {} : { provider_code: failure.providerCode }),
      ...(failure.message === undefined ? {} : { provider_message: failure.message }),
    },
    headers: failure.retryAfter ? { "retry-after": failure.retryAfter } : {},
  });
}
