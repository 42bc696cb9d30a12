// A project's own quotas on D1 (migrations/0004_projects.sql): every key and ticket of the project counts
// against them together, beside each key's own. And its default retention of kept originals
// (migrations/0006_originals.sql, docs/reuse.md).
import { forgetProject } from "./cache";
import type { Principal, Quotas } from "./scope";

export interface ProjectRow {
  readonly quotas: Quotas;
  /** Days the originals of the project's uploads are kept unless an upload or ticket says; 0: not kept. */
  readonly keep_days: number;
  readonly updated_at: string | null;
}

export async function projectOf(db: D1Database, project: string): Promise<ProjectRow> {
  const row = await db
    .prepare("SELECT quotas, keep_days, updated_at FROM projects WHERE project = ?")
    .bind(project)
    .first<{ quotas: string; keep_days: number; updated_at: string }>();
  return row
    ? { quotas: JSON.parse(row.quotas), keep_days: row.keep_days, updated_at: row.updated_at }
    : { quotas: {}, keep_days: 0, updated_at: null };
}

/** Sets the project's quotas (and keep_days, when given) and logs who did, in one batch. */
export async function setProject(
  db: D1Database,
  project: string,
  actor: Principal,
  quotas: Quotas,
  keepDays?: number,
): Promise<ProjectRow> {
  const at = new Date().toISOString();
  const json = JSON.stringify(quotas);
  const [, , row] = await db.batch<{ keep_days: number }>([
    db
      .prepare(
        `INSERT INTO projects (project, quotas, updated_at, keep_days) VALUES (?1, ?2, ?3, coalesce(?4, 0))
         ON CONFLICT (project) DO UPDATE SET quotas = ?2, updated_at = ?3, keep_days = coalesce(?4, keep_days)`,
      )
      .bind(project, json, at, keepDays ?? null),
    db
      .prepare(
        "INSERT INTO audit (project, at, actor_prefix, action, key_id, key_prefix, quotas) VALUES (?, ?, ?, ?, '', '', ?)",
      )
      .bind(project, at, actor.prefix, "project.quotas_set", json),
    db.prepare("SELECT keep_days FROM projects WHERE project = ?").bind(project),
  ]);
  forgetProject(project);
  return { quotas, keep_days: row?.results[0]?.keep_days ?? 0, updated_at: at };
}
