// OpenAI's shapes as the sandbox answers them (./openai.ts, ./openai-uploads.ts): its error body, the File
// object, the purposes and expires_after, from OpenAI's OpenAPI document.
import { type Code, json } from "../kit";

export const PURPOSES = ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"];

export const openAiError = (
  status: number,
  message: string,
  code: Code | null = null,
  param: string | null = null,
) => json({ error: { message, type: "invalid_request_error", param, code } }, status);

/** expires_after in its form encoding: absent, or anchor `created_at` with seconds in range. */
export function expiry(anchor: unknown, seconds: unknown): number | null | Response {
  if (anchor === undefined && seconds === undefined) return null;
  const n = typeof seconds === "number" ? seconds : Number(seconds);
  if (anchor !== "created_at")
    return openAiError(400, "expires_after.anchor must be created_at", null, "expires_after");
  if (!Number.isInteger(n) || n < 3600 || n > 2_592_000)
    return openAiError(400, "expires_after.seconds must be between 3600 and 2592000", null, "expires_after");
  return n;
}

/** A File object, as the document's example shows one. */
export function fileObject(
  id: string,
  bytes: number,
  filename: string,
  purpose: string,
  expires: number | null,
) {
  const created = Math.floor(Date.now() / 1000);
  return {
    id,
    object: "file",
    bytes,
    created_at: created,
    expires_at: expires === null ? null : created + expires,
    filename,
    purpose,
    status: "processed",
  };
}
