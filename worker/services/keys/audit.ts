// The audit log of a project's keys (GET /v1/audit): written by ./store.ts in the same batch as the change.
import type { components } from "../../../generated/gateway";
import { decodeCursor, encodeCursor } from "../registry/list";

type AuditList = components["schemas"]["AuditList"];
type AuditEntry = components["schemas"]["AuditEntry"];

export async function listAudit(
  db: D1Database,
  project: string,
  page: { limit: number; cursor: string | undefined },
): Promise<AuditList> {
  const before = page.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(page.cursor);
  const { results } = await db
    .prepare(
      `SELECT seq, at, actor_prefix, action, key_id, key_prefix FROM audit
       WHERE project = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
    )
    .bind(project, before, page.limit + 1)
    .all<AuditEntry & { seq: number }>();
  const rows = results.slice(0, page.limit);
  const last = rows.at(-1);
  return {
    data: rows.map(({ seq: _seq, ...entry }) => entry),
    next_cursor: results.length > page.limit && last ? encodeCursor(last.seq) : null,
  };
}
