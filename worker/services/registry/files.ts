// The file registry on D1 (binding DB, schema in migrations/): every UploadResult the gateway produced, per
// owner (a fingerprint of the gateway key: each key is a tenant). Rows are never rewritten except to mark
// them deleted; "expired" is computed at read time from expires_at.
import type { components } from "../../../generated/gateway";
import { toHex } from "../../core/crypto";
import { GatewayError } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import type { Options, ProviderId } from "../../providers/capability";

export type UploadResult = components["schemas"]["UploadResult"];
export type FileRecord = components["schemas"]["FileRecord"];
export type FileStatus = components["schemas"]["FileStatus"];
type Kind = components["schemas"]["Kind"];

const encoder = new TextEncoder();

/** The owner of what a gateway key uploads: a fingerprint, never the key (first 128 bits of a SHA-256). */
export async function ownerOf(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(`mediagate-owner:${key}`));
  return toHex(new Uint8Array(digest).subarray(0, 16));
}

interface Row {
  seq: number;
  id: string;
  owner: string;
  provider: ProviderId;
  status: "uploaded" | "staged" | "deleted";
  name: string;
  size: number;
  mime_type: string;
  kind: Kind;
  sha256: string;
  detected_type: string | null;
  provider_file_id: string | null;
  reference: string;
  url: string | null;
  purpose: string | null;
  user: string | null;
  account: string | null;
  created_at: string;
  expires_at: string | null;
  deleted_at: string | null;
  provider_deleted: number | null;
}

/** When the provider deletes the file: the result's own expiry, or a documented per-purpose retention. */
function expiry(result: UploadResult, options: Options, createdAt: number): string | null {
  if (result.expires_at) return result.expires_at;
  if (result.provider === "minimax" && options.purpose === "video_understanding")
    return new Date(createdAt + LIMITS.minimaxVideoUnderstandingRetentionMs).toISOString();
  return null;
}

/** Records one result (idempotent per owner, id and provider: a repeated delivery keeps the first). */
export async function recordResult(
  db: D1Database,
  owner: string,
  result: UploadResult,
  options: Options,
): Promise<void> {
  const now = Date.now();
  const f = result.file;
  await db
    .prepare(
      `INSERT INTO files (id, owner, provider, status, name, size, mime_type, kind, sha256, detected_type,
         provider_file_id, reference, url, purpose, user, account, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (owner, id, provider) DO NOTHING`,
    )
    .bind(
      result.id,
      owner,
      result.provider,
      result.status,
      f.name,
      f.size,
      f.mime_type,
      f.kind,
      f.sha256,
      f.detected_type ?? null,
      result.provider_file_id,
      result.reference,
      result.url,
      options.purpose ?? null,
      options.user ?? null,
      options.account ?? null,
      new Date(now).toISOString(),
      expiry(result, options, now),
    )
    .run();
}

const statusOf = (row: Row, now: number): FileStatus =>
  row.status !== "deleted" && row.expires_at !== null && Date.parse(row.expires_at) <= now
    ? "expired"
    : row.status;

function toRecord(row: Row, now = Date.now()): FileRecord {
  const options: FileRecord["options"] = {};
  if (row.purpose !== null) options.purpose = row.purpose;
  if (row.user !== null) options.user = row.user;
  if (row.account !== null) options.account = row.account;
  return {
    id: row.id,
    provider: row.provider,
    status: statusOf(row, now),
    file: {
      name: row.name,
      size: row.size,
      mime_type: row.mime_type,
      kind: row.kind,
      sha256: row.sha256,
      detected_type: row.detected_type,
    },
    provider_file_id: row.provider_file_id,
    reference: row.reference,
    url: row.url,
    options,
    created_at: row.created_at,
    expires_at: row.expires_at,
    deleted_at: row.deleted_at,
    provider_deleted: row.provider_deleted === null ? null : row.provider_deleted === 1,
  };
}

/** A record as the UploadResult it was (for a deduplicated answer). */
export function asResult(record: FileRecord): UploadResult {
  return {
    id: record.id,
    provider: record.provider,
    status: record.status === "staged" ? "staged" : "uploaded",
    file: { ...record.file, detected_type: record.file.detected_type ?? null },
    provider_file_id: record.provider_file_id,
    url: record.url,
    reference: record.reference,
    expires_at: record.expires_at,
    provider_response: {},
  };
}

/**
 * A live record (uploaded or staged, not expired, not deleted) of this owner for the same provider, SHA-256
 * and options: the newest.
 */
export async function findLive(
  db: D1Database,
  owner: string,
  provider: ProviderId,
  sha256: string,
  options: Options,
): Promise<FileRecord | null> {
  const now = new Date().toISOString();
  const row = await db
    .prepare(
      `SELECT * FROM files WHERE owner = ? AND provider = ? AND sha256 = ? AND status IN ('uploaded', 'staged')
         AND (expires_at IS NULL OR expires_at > ?)
         AND purpose IS ? AND user IS ? AND account IS ?
       ORDER BY seq DESC LIMIT 1`,
    )
    .bind(
      owner,
      provider,
      sha256.toLowerCase(),
      now,
      options.purpose ?? null,
      options.user ?? null,
      options.account ?? null,
    )
    .first<Row>();
  return row ? toRecord(row) : null;
}

export interface ListQuery {
  readonly provider?: ProviderId;
  readonly sha256?: string;
  readonly kind?: Kind;
  readonly status?: FileStatus;
  readonly limit: number;
  /** The `seq` of the last record of the previous page. */
  readonly after?: number;
}

/** Cursor: the last row's seq, opaque to callers. Newer inserts have larger seq, so pages never shift. */
export const encodeCursor = (seq: number) => btoa(`s:${seq}`).replace(/=+$/, "");
export function decodeCursor(cursor: string): number {
  let text = "";
  try {
    text = atob(cursor);
  } catch {}
  const match = /^s:(\d{1,15})$/.exec(text);
  if (!match?.[1]) throw new GatewayError("invalid_field", '"cursor" is not a cursor this API returned.');
  return Number(match[1]);
}

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
  if (q.sha256) {
    where.push("sha256 = ?");
    args.push(q.sha256.toLowerCase());
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

/** The owner's record(s) under an id: one per provider (a fan-out shares its id). */
export async function getFiles(
  db: D1Database,
  owner: string,
  id: string,
  provider?: ProviderId,
): Promise<FileRecord[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM files WHERE owner = ? AND id = ? ${provider ? "AND provider = ?" : ""} ORDER BY seq DESC`,
    )
    .bind(...(provider ? [owner, id, provider] : [owner, id]))
    .all<Row>();
  return results.map((r) => toRecord(r));
}

export async function markDeleted(
  db: D1Database,
  owner: string,
  id: string,
  provider: ProviderId,
  providerDeleted: boolean,
): Promise<void> {
  await db
    .prepare(
      `UPDATE files SET status = 'deleted', deleted_at = ?, provider_deleted = ?
       WHERE owner = ? AND id = ? AND provider = ? AND status != 'deleted'`,
    )
    .bind(new Date().toISOString(), providerDeleted ? 1 : 0, owner, id, provider)
    .run();
}

/** Whether any live staged record (of any owner) still hands out the staged copy under this id. */
export async function stagedCopyInUse(db: D1Database, id: string): Promise<boolean> {
  const row = await db
    .prepare(
      `SELECT 1 AS used FROM files WHERE id = ? AND status = 'staged' AND (expires_at IS NULL OR expires_at > ?) LIMIT 1`,
    )
    .bind(id, new Date().toISOString())
    .first();
  return row !== null;
}
