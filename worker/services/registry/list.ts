// Listing an owner's registry: filters, newest first, and an opaque cursor that never shifts a page.
import type { components } from "../../../generated/gateway";
import { decodeCursor, encodeCursor } from "../../core/cursor";
import type { ProviderId } from "../../providers/kit/capability";
import { type FileRecord, type FileStatus, type Row, toRecord } from "./files";

type Kind = components["schemas"]["Kind"];

export interface ListQuery {
  readonly provider?: ProviderId;
  /** Only these providers' records (a key scoped to some providers sees only theirs). */
  readonly within?: readonly ProviderId[];
  readonly sha256?: string;
  readonly uploadId?: string;
  readonly kind?: Kind;
  readonly status?: FileStatus;
  readonly limit: number;
  /** The `seq` of the last record of the previous page. */
  readonly after?: number;
}

// The cursor every list shares (core/cursor.ts), here where the registry's and the audit log's callers import it.
export { decodeCursor, encodeCursor };

export async function listFiles(
  db: D1Database,
  owner: string,
  q: ListQuery,
): Promise<{ data: FileRecord[]; next_cursor: string | null }> {
  const now = new Date().toISOString();
  const where = ["owner = ?"];
  const args: (string | number)[] = [owner];
  if (q.after !== undefined) {
    where.push("seq < ?");
    args.push(q.after);
  }
  if (q.provider) {
    where.push("provider = ?");
    args.push(q.provider);
  }
  if (q.within) {
    where.push(`provider IN (${q.within.map(() => "?").join(", ")})`);
    args.push(...q.within);
  }
  if (q.sha256) {
    where.push("sha256 = ?");
    args.push(q.sha256.toLowerCase());
  }
  if (q.uploadId) {
    where.push("upload_id = ?");
    args.push(q.uploadId);
  }
  if (q.kind) {
    where.push("kind = ?");
    args.push(q.kind);
  }
  if (q.status === "expired") {
    where.push("status != 'deleted' AND expires_at IS NOT NULL AND expires_at <= ?");
    args.push(now);
  } else if (q.status === "deleted") {
    where.push("status = 'deleted'");
  } else if (q.status) {
    where.push("status = ? AND (expires_at IS NULL OR expires_at > ?)");
    args.push(q.status, now);
  }
  const { results } = await db
    .prepare(`SELECT * FROM files WHERE ${where.join(" AND ")} ORDER BY seq DESC LIMIT ?`)
    .bind(...args, q.limit + 1)
    .all<Row>();
  const page = results.slice(0, q.limit);
  const last = page.at(-1);
  return {
    data: page.map((r) => toRecord(r)),
    next_cursor: results.length > q.limit && last ? encodeCursor(last.seq) : null,
  };
}
