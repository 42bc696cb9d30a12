// Webhook endpoints per project (POST/GET/DELETE /v1/webhooks). Each has a signing secret in the Standard
// Webhooks form (https://www.standardwebhooks.com: "whsec_" and base64 of random bytes), shown once. The
// gateway must sign with it, so it cannot keep only a hash: it is stored encrypted (AES-GCM, with a key
// derived by HKDF from SIGNING_SECRET), so a copy of the database alone does not let anyone forge deliveries.
// Rotating SIGNING_SECRET therefore needs endpoints to be registered again (docs/webhooks.md).
import type { components } from "../../../generated/gateway";
import { b64url, fromB64url } from "../../core/crypto";
import { GatewayError } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import type { EventType } from "./log";

type Webhook = components["schemas"]["Webhook"];
type CreatedWebhook = components["schemas"]["CreatedWebhook"];

/** Every type an endpoint registered without a list receives. */
export const EVENT_TYPES: readonly EventType[] = [
  "upload.completed",
  "upload.failed",
  "file.deleted",
  "file.expired",
];

const encoder = new TextEncoder();

export const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

async function secretKey(signingSecret: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(signingSecret), "HKDF", false, [
    "deriveKey",
  ]);
  return crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: new Uint8Array(0),
      info: encoder.encode("mediagate-webhook-secret"),
    },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

async function seal(signingSecret: string, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv },
    await secretKey(signingSecret),
    encoder.encode(secret),
  );
  return `${b64url(iv)}.${b64url(new Uint8Array(sealed))}`;
}

/** The endpoint's secret ("whsec_…") from its stored form. */
export async function unseal(signingSecret: string, stored: string): Promise<string> {
  const [iv, data] = stored.split(".").map((part) => fromB64url(part));
  if (!iv || !data) throw new Error("a webhook secret is not in its stored form");
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv }, await secretKey(signingSecret), data);
  return new TextDecoder().decode(plain);
}

interface Row {
  id: string;
  url: string;
  events: string | null;
  created_at: string;
}

const webhookOf = (row: Row): Webhook => ({
  id: row.id,
  url: row.url,
  events: row.events === null ? [...EVENT_TYPES] : JSON.parse(row.events),
  created_at: row.created_at,
});

export async function createWebhook(
  db: D1Database,
  signingSecret: string,
  owner: string,
  url: string,
  events: readonly EventType[] | undefined,
): Promise<CreatedWebhook> {
  const count = await db
    .prepare("SELECT COUNT(*) AS n FROM webhooks WHERE owner = ? AND deleted_at IS NULL")
    .bind(owner)
    .first<{ n: number }>();
  if ((count?.n ?? 0) >= LIMITS.webhooksPerProject)
    throw new GatewayError(
      "invalid_field",
      `A project has at most ${LIMITS.webhooksPerProject} webhook endpoints; delete one first.`,
      { extras: { field: "url" } },
    );
  const id = `wh_${b64url(crypto.getRandomValues(new Uint8Array(12)))}`;
  const secret = `whsec_${base64(crypto.getRandomValues(new Uint8Array(32)))}`;
  const row: Row = {
    id,
    url,
    events: events === undefined ? null : JSON.stringify(events),
    created_at: new Date().toISOString(),
  };
  await db
    .prepare("INSERT INTO webhooks (id, owner, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)")
    .bind(id, owner, url, row.events, await seal(signingSecret, secret), row.created_at)
    .run();
  return { ...webhookOf(row), secret };
}

export async function listWebhooks(db: D1Database, owner: string): Promise<Webhook[]> {
  const { results } = await db
    .prepare(
      "SELECT id, url, events, created_at FROM webhooks WHERE owner = ? AND deleted_at IS NULL ORDER BY created_at DESC",
    )
    .bind(owner)
    .all<Row>();
  return results.map(webhookOf);
}

/** Removes the owner's endpoint (its pending deliveries are dropped by the consumer); null if unknown. */
export async function deleteWebhook(db: D1Database, owner: string, id: string): Promise<Webhook | null> {
  const row = await db
    .prepare(
      `UPDATE webhooks SET deleted_at = ? WHERE owner = ? AND id = ? AND deleted_at IS NULL
       RETURNING id, url, events, created_at`,
    )
    .bind(new Date().toISOString(), owner, id)
    .first<Row>();
  return row ? webhookOf(row) : null;
}
