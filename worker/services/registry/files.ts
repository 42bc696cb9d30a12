// The file registry on D1 (binding DB, schema in migrations/): every UploadResult the gateway produced, per
// owner (a fingerprint of the gateway key: each key is a tenant). Rows are never rewritten except to mark
// them deleted; "expired" is computed at read time from expires_at.
import type { components } from "../../../generated/gateway";
import { toHex } from "../../core/crypto";
import { LIMITS } from "../../core/limits";
import { log } from "../../core/log";
import type { Options, ProviderId } from "../../providers/kit/capability";
import { commitWithEvents, type EventSink } from "../events/log";
import { type Account, type Tally, tallyStatement } from "../usage/usage";

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

export interface Row {
  seq: number;
  id: string;
  /** Null only on a row written between the column's migration and its back-fill (never, in practice). */
  upload_id: string | null;
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
  /** Replicate's metadata option, compacted JSON text. */
  metadata: string | null;
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

/** The statement recording one result (idempotent per owner, id and provider: a repeated delivery keeps the first). */
function recordStatement(db: D1Database, owner: string, result: UploadResult, options: Options) {
  const now = Date.now();
  const f = result.file;
  return db
    .prepare(
      `INSERT INTO files (id, upload_id, owner, provider, status, name, size, mime_type, kind, sha256,
         detected_type, provider_file_id, reference, url, purpose, user, account, metadata, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (owner, id, provider) DO NOTHING`,
    )
    .bind(
      result.id,
      result.upload_id,
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
      options.metadata ?? null,
      new Date(now).toISOString(),
      expiry(result, options, now),
    );
}

/** Records one result (tests seed the registry with it). */
export async function recordResult(db: D1Database, owner: string, result: UploadResult, options: Options) {
  await recordStatement(db, owner, result, options).run();
}

/**
 * Records a result the provider already holds, what it adds to the usage rollup, and its upload.completed
 * event (services/events) in one batch (one round trip, all or none). A registry failure is logged, never
 * turned into a failed upload (every path that records calls this).
 */
export async function recordQuietly(
  sink: EventSink,
  owner: string,
  result: UploadResult,
  options: Options,
  usage?: { readonly account: Account; readonly tally: Tally },
  requestId?: string,
): Promise<void> {
  const db = sink.DB;
  const statements = [recordStatement(db, owner, result, options)];
  if (usage) statements.push(tallyStatement(db, usage.account, result.provider, usage.tally));
  const { provider_response: _, ...data } = result;
  const subject = `${result.id}:${result.provider}`;
  const event = {
    owner,
    type: "upload.completed",
    uploadId: result.upload_id,
    subject,
    requestId,
    data,
  } as const;
  await commitWithEvents(sink, statements, [event], requestId).catch((error) =>
    log("error", "registry: could not record", { request_id: requestId, id: result.id, error }),
  );
}

const fileStatusOf = (row: Row, now: number): FileStatus =>
  row.status !== "deleted" && row.expires_at !== null && Date.parse(row.expires_at) <= now
    ? "expired"
    : row.status;

export function toRecord(row: Row, now = Date.now()): FileRecord {
  const options: FileRecord["options"] = {};
  if (row.purpose !== null) options.purpose = row.purpose;
  if (row.user !== null) options.user = row.user;
  if (row.account !== null) options.account = row.account;
  if (row.metadata !== null) options.metadata = row.metadata;
  return {
    id: row.id,
    upload_id: row.upload_id ?? row.id,
    provider: row.provider,
    status: fileStatusOf(row, now),
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
    upload_id: record.upload_id,
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
         AND purpose IS ? AND user IS ? AND account IS ? AND metadata IS ?
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
      options.metadata ?? null,
    )
    .first<Row>();
  return row ? toRecord(row) : null;
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

/** Marks the record deleted, with its file.deleted event in the same batch (one per record: the subject). */
export async function markDeleted(
  sink: EventSink,
  owner: string,
  record: FileRecord,
  providerDeleted: boolean,
  requestId?: string,
): Promise<void> {
  const at = new Date().toISOString();
  const update = sink.DB.prepare(
    `UPDATE files SET status = 'deleted', deleted_at = ?, provider_deleted = ?
     WHERE owner = ? AND id = ? AND provider = ? AND status != 'deleted'`,
  ).bind(at, providerDeleted ? 1 : 0, owner, record.id, record.provider);
  const data = { ...record, status: "deleted", deleted_at: at, provider_deleted: providerDeleted };
  const subject = `${record.id}:${record.provider}`;
  const event = {
    owner,
    type: "file.deleted",
    uploadId: record.upload_id,
    subject,
    requestId,
    data,
  } as const;
  await commitWithEvents(sink, [update], [event], requestId);
}

/** Whether any live staged record still hands out the staged copy of this upload. */
export async function stagedCopyInUse(db: D1Database, uploadId: string): Promise<boolean> {
  const row = await db
    .prepare(
      `SELECT 1 AS used FROM files WHERE upload_id = ? AND status = 'staged' AND (expires_at IS NULL OR expires_at > ?) LIMIT 1`,
    )
    .bind(uploadId, new Date().toISOString())
    .first();
  return row !== null;
}

/**
 * Whether another live record of this owner holds the same provider file (a ticket answered with an
 * existing record has a record of its own for it): then deleting one record leaves the provider's copy.
 */
export async function providerCopyShared(
  db: D1Database,
  owner: string,
  record: FileRecord,
): Promise<boolean> {
  if (record.provider_file_id === null) return false;
  const row = await db
    .prepare(
      `SELECT 1 AS shared FROM files WHERE owner = ? AND provider = ? AND provider_file_id = ? AND id != ?
         AND status = 'uploaded' AND (expires_at IS NULL OR expires_at > ?) LIMIT 1`,
    )
    .bind(owner, record.provider, record.provider_file_id, record.id, new Date().toISOString())
    .first();
  return row !== null;
}
