// A project's own quotas on D1 (migrations/0004_projects.sql): every key and ticket of the project counts
// against them together, beside each key's own.
import { forgetProject } from "./cache";
import type { Principal, Quotas } from "./scope";

export interface ProjectRow {
  readonly quotas: Quotas;
  readonly updated_at: string | null;
}

export async function projectOf(db: D1Database, project: string): Promise<ProjectRow> {
  const row = await db
    .prepare("SELECT quotas, updated_at FROM projects WHERE project = ?")
    .bind(project)
    .first<{ quotas: string; updated_at: string }>();
  return row
    ? { quotas: JSON.parse(row.quotas), updated_at: row.updated_at }
    : { quotas: {}, updated_at: null };
}

/** Sets the project's quotas and logs who did, in one batch. */
export async function setProject(
  db: D1Database,
  project: string,
  actor: Principal,
  quotas: Quotas,
): Promise<ProjectRow> {
  const at = new Date().toISOString();
  const json = JSON.stringify(quotas);
  await db.batch([
    db
      .prepare(
        `INSERT INTO projects (project, quotas, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (project) DO UPDATE SET quotas = ?2, updated_at = ?3`,
      )
      .bind(project, json, at),
    db
      .prepare(
        "INSERT INTO audit (project, at, actor_prefix, action, key_id, key_prefix, quotas) VALUES (?, ?, ?, ?, '', '', ?)",
      )
      .bind(project, at, actor.prefix, "project.quotas_set", json),
  ]);
  forgetProject(project);
  return { quotas, updated_at: at };
}
