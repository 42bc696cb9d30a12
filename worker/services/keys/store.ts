// Keys created at runtime, on D1 (migrations/0003_keys.sql), behind the few calls the gateway makes: mint,
// find by the secret's hash, list and revoke within a project. A key is `mg_` and 32 base64url characters
// (192 random bits); only HMAC-SHA256(SIGNING_SECRET, key) is stored, so the table alone opens nothing.
// Every call but the lookup is keyed by project (the shard a larger deployment splits on: docs/keys.md).
import type { components } from "../../../generated/gateway";
import { b64url, hmac, toHex } from "../../core/crypto";
import { GatewayError } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import type { ProviderId } from "../../providers/kit/capability";
import { forgetProject } from "./cache";
import { projectOf } from "./project";
import { type Action, bootstrapPrincipal, type Principal, type Quotas } from "./scope";

export type Key = components["schemas"]["Key"];

interface KeyRow {
  id: string;
  project: string;
  prefix: string;
  name: string;
  providers: string | null;
  actions: string;
  quotas: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

const COLUMNS = "id, project, prefix, name, providers, actions, quotas, created_at, expires_at, revoked_at";
/** Characters of a key shown as its prefix: "mg_" and 8 of its 32 random ones (48 of 192 bits). */
const PREFIX_LENGTH = 11;

const random = (bytes: number) => b64url(crypto.getRandomValues(new Uint8Array(bytes)));

export function signingSecret(env: { SIGNING_SECRET?: string }): string {
  if (!env.SIGNING_SECRET)
    throw new GatewayError("signing_not_configured", "Set the SIGNING_SECRET secret to create keys.");
  return env.SIGNING_SECRET;
}

/** What is stored for a key: its HMAC under SIGNING_SECRET (hex). */
export const keyHash = async (secret: string, key: string) =>
  toHex(await hmac(secret, `mediagate-key:${key}`));

/** Whether a bearer token has the shape of a runtime key (anything else is only a bootstrap key). */
export const isRuntimeKey = (token: string) => /^mg_[A-Za-z0-9_-]{32}$/.test(token);

export function toKey(row: KeyRow): Key {
  return {
    id: row.id,
    prefix: row.prefix,
    name: row.name,
    providers: row.providers === null ? null : JSON.parse(row.providers),
    actions: JSON.parse(row.actions),
    quotas: JSON.parse(row.quotas),
    created_at: row.created_at,
    expires_at: row.expires_at,
    revoked_at: row.revoked_at,
  } as Key;
}

export function principalOf(
  key: Key,
  project: string,
  projectQuotas: Quotas,
  projectKeepDays: number,
): Principal {
  return {
    project,
    keyId: key.id,
    prefix: key.prefix,
    providers: (key.providers as ProviderId[] | null) ?? null,
    actions: key.actions as Action[],
    quotas: key.quotas as Quotas,
    projectQuotas,
    projectKeepDays,
  };
}

/**
 * A stored key with its project and the project's quotas (one query), or null. Revoked and expired keys
 * are returned: the caller tells them apart.
 */
export async function keyByHash(
  db: D1Database,
  hash: string,
): Promise<{ key: Key; project: string; projectQuotas: Quotas; projectKeepDays: number } | null> {
  const row = await db
    .prepare(
      `SELECT ${COLUMNS.split(", ")
        .map((c) => `k.${c}`)
        .join(", ")}, p.quotas AS project_quotas, p.keep_days AS project_keep_days
       FROM keys k LEFT JOIN projects p ON p.project = k.project WHERE k.hash = ?`,
    )
    .bind(hash)
    .first<KeyRow & { project_quotas: string | null; project_keep_days: number | null }>();
  if (!row) return null;
  return {
    key: toKey(row),
    project: row.project,
    projectQuotas: JSON.parse(row.project_quotas ?? "{}"),
    projectKeepDays: row.project_keep_days ?? 0,
  };
}

export async function keyById(db: D1Database, project: string, id: string): Promise<Key | null> {
  const row = await db
    .prepare(`SELECT ${COLUMNS} FROM keys WHERE project = ? AND id = ?`)
    .bind(project, id)
    .first<KeyRow>();
  return row ? toKey(row) : null;
}

export async function listKeys(db: D1Database, project: string): Promise<Key[]> {
  const { results } = await db
    .prepare(`SELECT ${COLUMNS} FROM keys WHERE project = ? ORDER BY created_at DESC, id LIMIT ?`)
    .bind(project, LIMITS.keysPerProject * 2)
    .all<KeyRow>();
  return results.map(toKey);
}

/** Whether a key works at `now`: 401 key_revoked or key_expired when it no longer does. */
export function checkLive(key: Pick<Key, "revoked_at" | "expires_at">, now = Date.now()): void {
  if (key.revoked_at !== null)
    throw new GatewayError("key_revoked", `This key was revoked at ${key.revoked_at}.`);
  if (key.expires_at !== null && Date.parse(key.expires_at) <= now)
    throw new GatewayError("key_expired", `This key expired at ${key.expires_at}.`);
}

/**
 * The principal a ticket acts for: the key that minted it, as it is now — a revoked or expired key's
 * tickets are refused with it (401 key_revoked / key_expired). A ticket minted before keys had scopes
 * (no `key` claim) acts for nobody: no quota, no usage.
 */
export async function minterOf(
  db: D1Database,
  claims: { readonly owner?: string | undefined; readonly key?: string | undefined },
): Promise<Principal | undefined> {
  if (claims.owner === undefined || claims.key === undefined) return undefined;
  const [key, project] = await Promise.all([
    claims.key.startsWith("key_") ? keyById(db, claims.owner, claims.key) : null,
    projectOf(db, claims.owner),
  ]);
  if (!claims.key.startsWith("key_"))
    return bootstrapPrincipal(claims.owner, project.quotas, project.keep_days);
  if (!key) throw new GatewayError("key_revoked", "The key that made this upload URL no longer exists.");
  checkLive(key);
  return principalOf(key, claims.owner, project.quotas, project.keep_days);
}

export interface NewKey {
  readonly name: string;
  readonly providers: readonly ProviderId[] | null;
  readonly actions: readonly Action[];
  readonly quotas: Quotas;
  readonly expiresAt: string | null;
}

/** Mints a key in `project`; answers it with its secret (the only time the secret exists outside a client). */
export async function createKey(
  db: D1Database,
  secret: string,
  project: string,
  creator: Principal,
  spec: NewKey,
): Promise<Key & { key: string }> {
  const live = await db
    .prepare("SELECT COUNT(*) AS n FROM keys WHERE project = ? AND revoked_at IS NULL")
    .bind(project)
    .first<{ n: number }>();
  if ((live?.n ?? 0) >= LIMITS.keysPerProject)
    throw new GatewayError(
      "invalid_field",
      `A project holds at most ${LIMITS.keysPerProject} live keys; revoke one first.`,
    );
  const secretKey = `mg_${random(24)}`;
  const row: KeyRow = {
    id: `key_${random(16)}`,
    project,
    prefix: secretKey.slice(0, PREFIX_LENGTH),
    name: spec.name,
    providers: spec.providers === null ? null : JSON.stringify(spec.providers),
    actions: JSON.stringify(spec.actions),
    quotas: JSON.stringify(spec.quotas),
    created_at: new Date().toISOString(),
    expires_at: spec.expiresAt,
    revoked_at: null,
  };
  await db.batch([
    db
      .prepare(`INSERT INTO keys (${COLUMNS}, hash, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .bind(...Object.values(row), await keyHash(secret, secretKey), creator.keyId),
    auditStatement(db, project, creator, "key.created", row),
  ]);
  return { ...toKey(row), key: secretKey };
}

/** Revokes a key of `project` (again: answered as it is). Null: the project has no such key. */
export async function revokeKey(
  db: D1Database,
  project: string,
  actor: Principal,
  id: string,
): Promise<Key | null> {
  const key = await keyById(db, project, id);
  if (!key || key.revoked_at !== null) return key;
  const at = new Date().toISOString();
  await db.batch([
    db
      .prepare("UPDATE keys SET revoked_at = ? WHERE project = ? AND id = ? AND revoked_at IS NULL")
      .bind(at, project, id),
    auditStatement(db, project, actor, "key.revoked", key),
  ]);
  forgetProject(project);
  return keyById(db, project, id);
}

function auditStatement(
  db: D1Database,
  project: string,
  actor: Principal,
  action: "key.created" | "key.revoked",
  key: { id: string; prefix: string },
): D1PreparedStatement {
  return db
    .prepare(
      "INSERT INTO audit (project, at, actor_prefix, action, key_id, key_prefix) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(project, new Date().toISOString(), actor.prefix, action, key.id, key.prefix);
}
