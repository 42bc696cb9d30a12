// Multi-step uploads (initiate → parts or a session → finalize): what every such adapter shares. The upload
// pipeline sees one `upload(ctx)` either way; the steps live in the adapter, built from these:
//   - jsonInit: the openapi-fetch options of a JSON step (create, complete, cancel), typed by the spec;
//   - atStep: a failure named by the step that failed ("adding part 3 of 17: HTTP 500: server error");
//   - opened: once a step has opened something at the provider (an Upload, a session), the rest runs under
//     it, and any failure or abort after that first undoes what was opened, where the provider has a call
//     for it, before the failure is answered: nothing is left half-claimed at the provider.
import { send } from "./http";
import type { AdapterContext, AdapterResult, ProviderFailure } from "./types";

/** How long undoing an opened upload may take: it runs after the upload already failed. */
export const UNDO_TIMEOUT_MS = 10_000;

/**
 * openapi-fetch options for one JSON step: the typed `body` (checked against the provider's spec), the
 * provider's auth headers, the injected fetch, the upload's signal, and no redirects.
 */
export function jsonInit<B>(
  ctx: Pick<AdapterContext, "fetch" | "signal">,
  auth: Readonly<Record<string, string>>,
  body: B,
  headers: Readonly<Record<string, string>> = {},
) {
  return {
    body,
    headers: { ...auth, ...headers, "content-type": "application/json" },
    fetch: ctx.fetch,
    signal: ctx.signal,
    redirect: "manual" as const,
  };
}

/**
 * send() for a step that carries no file bytes (create, start, complete, cancel), tried once more when the
 * connection broke before any answer and workerd marks the error `retryable` — a pooled connection the
 * provider closed while idle, as one is after the minutes a large file takes to arrive. A step that did
 * reach the provider may then have been made twice: an extra Upload or session, never completed, expires.
 */
export async function sendStep<D, E>(
  ctx: Pick<AdapterContext, "signal">,
  call: () => Promise<{ data?: D; error?: E; response: Response }>,
) {
  const first = await send(ctx, call);
  const raw = "failure" in first ? first.failure.raw : undefined;
  const retryable =
    typeof raw === "object" && raw !== null && (raw as { retryable?: unknown }).retryable === true;
  return retryable ? send(ctx, call) : first;
}

/** `failure` with the step it happened at named first in its detail. */
export function atStep(step: string, failure: ProviderFailure): ProviderFailure {
  return { ...failure, detail: `${step}: ${failure.detail}` };
}

/**
 * Runs the steps after one that opened something at the provider. When `rest` answers a failure or throws
 * (an abort by the upload's own signal included), `undo` is called with a signal of its own — the upload's
 * may be the reason it failed — and its outcome goes to the logs; then the failure is answered (or the
 * error rethrown) as it was. `undo` is null where the provider has no call for it (a Gemini session is left
 * to lapse).
 */
export async function opened(
  what: string,
  undo: ((signal: AbortSignal) => Promise<unknown>) | null,
  rest: () => Promise<AdapterResult>,
): Promise<AdapterResult> {
  let result: AdapterResult;
  try {
    result = await rest();
  } catch (error) {
    await undone(what, undo);
    throw error;
  }
  if (result.error) await undone(what, undo);
  return result;
}

async function undone(what: string, undo: ((signal: AbortSignal) => Promise<unknown>) | null) {
  if (!undo) return;
  try {
    const outcome = await undo(AbortSignal.timeout(UNDO_TIMEOUT_MS));
    if (outcome !== undefined) console.warn(`undoing ${what} failed`, outcome);
  } catch (error) {
    console.warn(`undoing ${what} failed`, error);
  }
}
