// The adapter boundary: a provider failure (data) becomes one of our problems. Problems reach keyless
// clients too (signed upload URLs, readable cross-origin), so they carry only structured provider fields:
// provider, provider_status, provider_code, and provider_message where the provider's spec defines a
// message field, cleaned and capped. The detail is our own sentence; the provider's raw answer goes to the
// logs as the error's cause (problemResponse logs it), never into the problem.

import { GatewayError } from "../core/errors";
import type { ProviderId } from "./kit/capability";
import type { ProviderFailure } from "./kit/types";
import { capability } from "./table";

/** The most characters of provider text (its message, a string code) a problem carries. */
export const PROVIDER_TEXT_MAX = 200;

/** Control characters, and the bidirectional formatting ones that can make text read otherwise. */
const CONTROL = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** Provider text as a problem may carry it: no control characters, at most PROVIDER_TEXT_MAX characters. */
export function cleanProviderText(text: string): string {
  return Array.from(text.replace(CONTROL, " ").replace(/\s+/g, " ").trim())
    .slice(0, PROVIDER_TEXT_MAX)
    .join("")
    .trimEnd();
}

/** Retry-After as HTTP defines it (delta-seconds or an HTTP date); anything else is not passed on. */
function retryAfter(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,9}$/.test(trimmed)) return trimmed;
  return /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed) &&
    !Number.isNaN(Date.parse(trimmed))
    ? trimmed
    : undefined;
}

export function toGatewayError(
  provider: ProviderId,
  failure: ProviderFailure,
  what: "upload" | "delete" = "upload",
): GatewayError {
  const name = capability(provider).name;
  const code =
    typeof failure.providerCode === "string" ? cleanProviderText(failure.providerCode) : failure.providerCode;
  const message = failure.message === undefined ? "" : cleanProviderText(failure.message);
  const retry = retryAfter(failure.retryAfter);
  return new GatewayError(failure.code, `${name} failed the ${what} (${failure.detail}).`, {
    extras: {
      provider,
      ...(failure.status === undefined ? {} : { provider_status: failure.status }),
      ...(code === undefined || code === "" ? {} : { provider_code: code }),
      ...(message === "" ? {} : { provider_message: message }),
    },
    headers: retry ? { "retry-after": retry } : {},
    ...(failure.raw === undefined ? {} : { cause: { status: failure.status, answer: failure.raw } }),
  });
}
