// Holding an upload to its quotas: reserve before a byte is forwarded, settle with what the provider got.
// A principal with no quotas (a bootstrap key, a key created without any) costs nothing: no call is made.
import type { Env } from "../../core/config";
import { asGatewayError, GatewayError } from "../../core/errors";
import { log } from "../../core/log";
import type { ProviderId } from "../../providers/kit/capability";
import { failedQuietly } from "../events/failed";
import type { Principal, Quotas } from "../keys/scope";
import type { QuotaName, Scope } from "./ledger";
import { projectQuota } from "./project";

export interface QuotaHold {
  /** Ends the reservation: `bytes` the provider received (0: it received nothing that counts). */
  settle(bytes: number): Promise<void>;
  /** The RateLimit-Policy and RateLimit fields as of the reservation, for the answer (none without quotas). */
  readonly headers: Record<string, string>;
}

const FREE: QuotaHold = { settle: async () => {}, headers: {} };

const WHAT: Record<QuotaName, string> = {
  bytes_per_day: "bytes per day",
  uploads_per_minute: "uploads per minute",
  concurrent_uploads: "concurrent uploads",
};

/** Whether any quota the ledger keeps is set (max_file_bytes is a size limit, checked with the others). */
const inLedger = (q: Quotas) =>
  q.bytes_per_day !== undefined || q.uploads_per_minute !== undefined || q.concurrent_uploads !== undefined;

/**
 * Reserves `bytes` for one upload of `principal`'s, or throws 429 quota_exceeded (Retry-After and the
 * RateLimit fields set) — before anything reaches a provider. A lost settlement is logged under `requestId`.
 */
export async function holdQuota(
  env: Env,
  principal: Principal | undefined,
  bytes: number,
  requestId?: string,
): Promise<QuotaHold> {
  if (!principal) return FREE;
  const scopes: Scope[] = [
    { id: principal.keyId, quotas: principal.quotas },
    { id: "project", quotas: principal.projectQuotas },
  ].filter((scope) => inLedger(scope.quotas));
  if (scopes.length === 0) return FREE;
  const stub = projectQuota(env, principal.project);
  const answer = await stub.reserve(scopes, bytes);
  if (!answer.ok) {
    const quota = answer.quota;
    throw new GatewayError(
      "quota_exceeded",
      `${answer.scope === "project" ? "This project's" : "This key's"} quota of ${WHAT[quota]} is used up; try again in ${answer.retryAfter} s.`,
      { extras: { quota }, headers: { "retry-after": String(answer.retryAfter), ...answer.headers } },
    );
  }
  let settled = false;
  return {
    headers: answer.headers,
    settle: async (received) => {
      if (settled) return;
      settled = true;
      // A lost settle only leaves the reservation to lapse (LIMITS.quotaLeaseMs): logged, never the upload's failure.
      await stub
        .settle(answer.id, received)
        .catch((error) => log("error", "quota: could not settle", { request_id: requestId, error }));
    },
  };
}

/**
 * Counts `bytes` against the quotas at once (a resumable upload, when it is created), or throws 429;
 * answers the RateLimit fields.
 */
export async function chargeQuota(
  env: Env,
  principal: Principal | undefined,
  bytes: number,
  requestId?: string,
): Promise<Record<string, string>> {
  const hold = await holdQuota(env, principal, bytes, requestId);
  await hold.settle(bytes);
  return hold.headers;
}

/**
 * Runs one upload under its quotas: `most` bytes reserved first (a refusal calls `refused`, which stops
 * reading the body, and throws), the reservation settled with the size of the result, or with nothing and
 * a failure counted if `send` fails.
 */
export async function underQuota<T extends { readonly file: { readonly size: number } }>(
  env: Env,
  who: {
    readonly principal?: Principal | undefined;
    readonly provider: ProviderId;
    /** The upload and its owner: a failure is recorded as their upload.failed event (services/events). */
    readonly id?: string;
    readonly owner?: string | undefined;
    /**
     * Where a settlement may finish after the answer (ExecutionContext.waitUntil): it only frees what the
     * reservation held, so until it lands the ledger counts the upload at its most — never less.
     */
    readonly defer?: ((work: Promise<unknown>) => void) | undefined;
    /** The answer's headers: the RateLimit fields are added to them, so a client sees what is left. */
    readonly answer?: Headers | undefined;
    /** The request's id, for the log lines of what fails quietly. */
    readonly requestId?: string | undefined;
  },
  most: number,
  send: () => Promise<T>,
  refused: (error: unknown) => Promise<void> = async () => {},
): Promise<T> {
  let quota: QuotaHold;
  try {
    quota = await holdQuota(env, who.principal, most, who.requestId);
    for (const [name, value] of Object.entries(quota.headers)) who.answer?.set(name, value);
  } catch (error) {
    await refused(error);
    throw error;
  }
  const settle = async (bytes: number) => {
    const settling = quota.settle(bytes);
    if (who.defer) who.defer(settling);
    else await settling;
  };
  try {
    const result = await send();
    await settle(result.file.size);
    return result;
  } catch (error) {
    await settle(0);
    const problem = asGatewayError(error, who.requestId).toProblem();
    const failure = {
      account: who.principal,
      owner: who.owner,
      provider: who.provider,
      uploadId: who.id,
      problem,
    };
    await failedQuietly(env, failure, who.requestId);
    throw error;
  }
}
