// Kept originals on D1 (migrations/0006_originals.sql): which R2 object holds a project's bytes of one
// SHA-256, and until when. Content-addressed within an owner only: every query names the owner, so a
// project's digests never reach another's bytes (docs/reuse.md).
import type { components } from "../../../generated/gateway";
import { extensionOf, type FileInfo } from "../../core/media";
import { stagedKey } from "../staging/staged";

type Kind = components["schemas"]["Kind"];
export type OriginalMark = components["schemas"]["Original"];

export interface Original {
  readonly owner: string;
  readonly sha256: string;
  /** The upload whose staged object (uploads/<upload_id>) holds the bytes. */
  readonly upload_id: string;
  readonly name: string;
  readonly size: number;
  readonly mime_type: string;
  readonly kind: Kind;
  readonly detected_type: string | null;
  readonly created_at: string;
  readonly kept_until: string;
}

export const markOf = (original: Pick<Original, "kept_until">): OriginalMark => ({
  kept: true,
  until: original.kept_until,
});

/** The original's file facts, as a staged file carries them (delivery reads these). */
export const fileInfoOf = (o: Original): FileInfo => ({
  name: o.name,
  extension: extensionOf(o.name),
  mimeType: o.mime_type,
  kind: o.kind,
  size: o.size,
});

/** The owner's original of this content, while its retention lasts; else null. */
export async function findOriginal(
  db: D1Database,
  owner: string,
  sha256: string,
  now = Date.now(),
): Promise<Original | null> {
  return db
    .prepare("SELECT * FROM originals WHERE owner = ? AND sha256 = ? AND kept_until > ?")
    .bind(owner, sha256.toLowerCase(), new Date(now).toISOString())
    .first<Original>();
}

/**
 * Keeps an upload's staged object as the owner's original of its content, until `until`. Content-addressed:
 * when the owner already keeps this content, its object stays the original and only the retention grows
 * (never shrinks); the caller's object is then not the original (`kept` says which object is).
 */
export async function keepOriginal(
  db: D1Database,
  owner: string,
  file: Omit<Original, "owner" | "created_at" | "kept_until">,
  until: number,
): Promise<Original> {
  const at = new Date().toISOString();
  const row = await db
    .prepare(
      `INSERT INTO originals (owner, sha256, upload_id, name, size, mime_type, kind, detected_type, created_at, kept_until)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
       ON CONFLICT (owner, sha256) DO UPDATE SET kept_until = max(kept_until, ?10)
       RETURNING *`,
    )
    .bind(
      owner,
      file.sha256.toLowerCase(),
      file.upload_id,
      file.name,
      file.size,
      file.mime_type,
      file.kind,
      file.detected_type,
      at,
      new Date(until).toISOString(),
    )
    .first<Original>();
  if (!row) throw new Error("unreachable: INSERT … RETURNING gave no row");
  return row;
}

/** The originals the owner keeps among these digests (one query; D1 binds at most 100 values). */
export async function originalsAmong(
  db: D1Database,
  owner: string,
  digests: readonly string[],
  now = Date.now(),
): Promise<Map<string, Original>> {
  const unique = [...new Set(digests)].slice(0, 90);
  if (unique.length === 0) return new Map();
  const { results } = await db
    .prepare(
      `SELECT * FROM originals WHERE owner = ? AND kept_until > ? AND sha256 IN (${unique.map(() => "?").join(",")})`,
    )
    .bind(owner, new Date(now).toISOString(), ...unique)
    .all<Original>();
  return new Map(results.map((o) => [o.sha256, o]));
}

/** Whether an R2 object under uploads/ is some project's original (the sweeps leave it to the originals'). */
export async function keptUploads(db: D1Database, uploadIds: readonly string[]): Promise<Set<string>> {
  const kept = new Set<string>();
  for (let i = 0; i < uploadIds.length; i += 90) {
    const chunk = uploadIds.slice(i, i + 90);
    const { results } = await db
      .prepare(`SELECT upload_id FROM originals WHERE upload_id IN (${chunk.map(() => "?").join(",")})`)
      .bind(...chunk)
      .all<{ upload_id: string }>();
    for (const r of results) kept.add(r.upload_id);
  }
  return kept;
}

/** Whether this upload's staged object is an original (its usual deletion must leave it). */
export async function isKept(db: D1Database, uploadId: string): Promise<boolean> {
  return (await keptUploads(db, [uploadId])).has(uploadId);
}

/** Originals whose retention ended by `now` (the daily sweep's work), a page at a time. */
export async function endedOriginals(db: D1Database, now: number, limit: number): Promise<Original[]> {
  const { results } = await db
    .prepare("SELECT * FROM originals WHERE kept_until <= ? ORDER BY kept_until LIMIT ?")
    .bind(new Date(now).toISOString(), limit)
    .all<Original>();
  return results;
}

/** Forgets an original as it was read; false when its retention was extended meanwhile (it stays). */
export async function forgetOriginal(db: D1Database, original: Original): Promise<boolean> {
  const { meta } = await db
    .prepare("DELETE FROM originals WHERE owner = ? AND sha256 = ? AND kept_until = ?")
    .bind(original.owner, original.sha256, original.kept_until)
    .run();
  return meta.changes > 0;
}

export const objectOf = (original: Pick<Original, "upload_id">) => stagedKey(original.upload_id);

/** Records with `original` set where the owner keeps their content (GET /v1/files and /v1/files/{id}). */
export async function withOriginals<T extends { readonly file: { readonly sha256: string } }>(
  db: D1Database,
  owner: string,
  records: readonly T[],
): Promise<(T & { original?: OriginalMark })[]> {
  const kept = await originalsAmong(
    db,
    owner,
    records.map((r) => r.file.sha256),
  );
  return records.map((r) => {
    const original = kept.get(r.file.sha256);
    return original ? { ...r, original: markOf(original) } : r;
  });
}
