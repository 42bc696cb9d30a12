// What OpenAI answers, read: its error dialect ({ error: { message, type, param, code } }, every endpoint) and
// a File's expires_at (Unix seconds) as the ISO 8601 time the registry records. Spec: specs/openai.yaml.
import type { components } from "../../../generated/openai";
import { httpFailure } from "../kit/http";
import type { ProviderFailure } from "../kit/types";

type File = components["schemas"]["OpenAIFile"];

/** A failed answer: HTTP status → our code; OpenAI's `code` (or `type`) and `message` kept as its own. */
export function failure(response: Response, answer: unknown): ProviderFailure {
  const error =
    typeof answer === "object" && answer !== null && "error" in answer
      ? (answer as { error?: { code?: unknown; type?: unknown; message?: unknown } }).error
      : undefined;
  const found = {
    label: "error",
    providerCode: error?.code ?? error?.type,
    message: error?.message,
    // A 200 without the object its spec describes is not a success.
    code: response.ok ? ("provider_error" as const) : undefined,
  };
  return httpFailure(response, found, answer);
}

/** The File's expires_at as ISO 8601, when it is a plausible Unix time in seconds (else none). */
export function expiresAt(file: Pick<File, "expires_at">): { expiresAt?: string } {
  const at = file.expires_at;
  if (typeof at !== "number" || !Number.isSafeInteger(at) || at <= 0 || at > 253402300799) return {};
  return { expiresAt: new Date(at * 1000).toISOString() };
}

/** A File's answer as Delivered, or undefined when it is not one. */
export function delivered(file: File | undefined, response: Record<string, unknown>) {
  if (typeof file?.id !== "string" || file.id === "") return undefined;
  return { providerFileId: file.id, url: null, reference: file.id, response, ...expiresAt(file) };
}
