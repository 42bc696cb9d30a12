// The usage rollup on D1 (migrations/0003_keys.sql): per project, UTC day, provider and key, added to where
// each upload's result is decided — in the same batch as its registry row (registry/files.ts), so what
// GET /v1/usage says the providers received is what the registry holds.
import type { components } from "../../../generated/gateway";
import { log } from "../../core/log";
import type { ProviderId } from "../../providers/kit/capability";

type Usage = components["schemas"]["Usage"];

/** Who an upload counts against: the project that owns it and the key (or the ticket's minting key). */
export interface Account {
  readonly project: string;
  readonly keyId: string;
}

/** What one decided upload adds. */
export interface Tally {
  readonly uploads?: number;
  readonly bytes?: number;
  readonly failures?: number;
  readonly deduplicated?: number;
  readonly bytesSaved?: number;
  readonly imports?: number;
}

export const today = (now = Date.now()) => new Date(now).toISOString().slice(0, 10);

/** The statement adding `tally` to today's row (one upsert: the row is created by its first upload). */
export function tallyStatement(
  db: D1Database,
  account: Account,
  provider: ProviderId,
  tally: Tally,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO usage (project, day, provider, key_id, uploads, bytes, failures, deduplicated, bytes_saved, imports)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
       ON CONFLICT (project, day, provider, key_id) DO UPDATE SET
         uploads = uploads + ?5, bytes = bytes + ?6, failures = failures + ?7,
         deduplicated = deduplicated + ?8, bytes_saved = bytes_saved + ?9, imports = imports + ?10`,
    )
    .bind(
      account.project,
      today(),
      provider,
      account.keyId,
      tally.uploads ?? 0,
      tally.bytes ?? 0,
      tally.failures ?? 0,
      tally.deduplicated ?? 0,
      tally.bytesSaved ?? 0,
      tally.imports ?? 0,
    );
}

/**
 * Adds a tally on its own (a failure: no registry row goes with it); a failed write is logged (under the
 * request that counted it), not thrown.
 */
export async function tallyQuietly(
  db: D1Database,
  account: Account,
  provider: ProviderId,
  tally: Tally,
  requestId?: string,
) {
  await tallyStatement(db, account, provider, tally)
    .run()
    .catch((error) => log("error", "usage: could not count", { request_id: requestId, provider, error }));
}

export interface UsageQuery {
  readonly from: string;
  readonly to: string;
  readonly provider?: ProviderId;
  readonly keyId?: string;
}

/** One row per day and provider in [from, to], oldest first, summed over keys unless one is named. */
export async function usageOf(db: D1Database, project: string, q: UsageQuery): Promise<Usage[]> {
  const where = ["project = ?", "day >= ?", "day <= ?"];
  const args: string[] = [project, q.from, q.to];
  if (q.provider !== undefined) {
    where.push("provider = ?");
    args.push(q.provider);
  }
  if (q.keyId !== undefined) {
    where.push("key_id = ?");
    args.push(q.keyId);
  }
  const { results } = await db
    .prepare(
      `SELECT day AS date, provider, SUM(uploads) AS uploads, SUM(bytes) AS bytes, SUM(failures) AS failures,
         SUM(deduplicated) AS deduplicated, SUM(bytes_saved) AS bytes_saved, SUM(imports) AS imports
       FROM usage WHERE ${where.join(" AND ")} GROUP BY day, provider ORDER BY day, provider`,
    )
    .bind(...args)
    .all<Usage>();
  return results;
}
