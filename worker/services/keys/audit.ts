// The audit log of a project's keys (GET /v1/audit): written by ./store.ts in the same batch as the change.
import type { components } from "../../../generated/gateway";
import { decodeCursor, encodeCursor } from "../registry/list";

type AuditList = components["schemas"]["AuditList"];
type AuditEntry = components["schemas"]["AuditEntry"];

interface Row {
  seq: number;
  at: string;
  actor_prefix: string;
  action: AuditEntry["action"];
  key_id: string;
  key_prefix: string;
  quotas: string | null;
}

/** A row as the API shows it: a project change has no key (stored as ''), and carries the quotas set. */
const entryOf = (row: Row): AuditEntry => ({
  at: row.at,
  actor_prefix: row.actor_prefix,
  action: row.action,
  key_id: row.key_id || null,
  key_prefix: row.key_prefix || null,
  ...(row.quotas === null ? {} : { quotas: JSON.parse(row.quotas) }),
});

export async function listAudit(
  db: D1Database,
  project: string,
  page: { limit: number; cursor: string | undefined },
): Promise<AuditList> {
  const before = page.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(page.cursor);
  const { results } = await db
    .prepare(
      `SELECT seq, at, actor_prefix, action, key_id, key_prefix, quotas FROM audit
       WHERE project = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
    )
    .bind(project, before, page.limit + 1)
    .all<Row>();
  const rows = results.slice(0, page.limit);
  const last = rows.at(-1);
  return {
    data: rows.map(entryOf),
    next_cursor: results.length > page.limit && last ? encodeCursor(last.seq) : null,
  };
}
