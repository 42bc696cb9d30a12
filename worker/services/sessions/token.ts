// Signed upload tokens: the constraints of one upload, HMAC-SHA256-signed with SIGNING_SECRET.
// Format: base64url(JSON claims) "." base64url(HMAC(claims part)), like a JWS compact token with one
// fixed algorithm (so there is no `alg` to downgrade). Anyone may read the claims; nobody can change them.
import { b64url, fromB64url, hmac, sameBytes } from "../../core/crypto";
import { GatewayError } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import type { ProviderId } from "../../providers/kit/capability";
import type { Options } from "../upload/validate";

export interface Claims {
  /** Token format version. */
  readonly v: 1;
  /** Upload id: the Durable Object holding this upload's state. */
  readonly id: string;
  readonly provider: ProviderId;
  /** Expiry, Unix seconds. */
  readonly exp: number;
  readonly max_bytes: number;
  /** Allowed media types (exact or `type/*`); empty = whatever the provider takes. */
  readonly content_types: readonly string[];
  readonly fixed: Options;
  readonly filename?: string;
  /**
   * The registry owner: the fingerprint of the gateway key that minted the ticket. Tickets minted before
   * the registry have none: their uploads are not recorded.
   */
  readonly owner?: string;
  /**
   * The id of the key that minted it: its scope and quotas hold the ticket's upload, and its revocation
   * ends the ticket. Tickets minted before keys had scopes have none.
   */
  readonly key?: string;
  /** The file's SHA-256 (hex), when the ticket binds one. */
  readonly sha256?: string;
  /** Days to keep the original (docs/reuse.md), when the ticket fixes it; else the project's keep_days. */
  readonly keep_days?: number;
}

export const CLOCK_SKEW_SECONDS = LIMITS.clockSkewSeconds;

const encoder = new TextEncoder();

/** The upload id a token names — unverified: verify() checks it against the signature. */
export function claimedId(token: string): string {
  try {
    const payload = fromB64url(token.split(".")[0] ?? "");
    return payload ? String(JSON.parse(new TextDecoder().decode(payload)).id ?? "") : "";
  } catch {
    return "";
  }
}

export async function sign(claims: Claims, secret: string): Promise<string> {
  const payload = b64url(encoder.encode(JSON.stringify(claims)));
  return `${payload}.${b64url(await hmac(secret, payload))}`;
}

const invalid = () => new GatewayError("invalid_token", "This upload URL is not valid.");

/**
 * Verifies signature (constant time), upload id and expiry (`now` null: not the expiry — a resumable upload
 * already created outlives its token). Returns the claims, or throws invalid_token / token_expired. The
 * signature is checked before anything in the claims is trusted.
 */
export async function verify(
  token: string,
  id: string,
  secret: string,
  now: number | null = Date.now(),
): Promise<Claims> {
  const [payload, signature, ...rest] = token.split(".");
  if (!payload || !signature || rest.length) throw invalid();
  const given = fromB64url(signature);
  const expected = await hmac(secret, payload);
  // Equal lengths for timingSafeEqual: a wrong-length signature is simply wrong.
  if (!given || !sameBytes(given, expected)) throw invalid();
  let claims: Claims;
  try {
    claims = JSON.parse(new TextDecoder().decode(fromB64url(payload) ?? new Uint8Array()));
  } catch {
    throw invalid();
  }
  if (claims.v !== 1 || claims.id !== id) throw invalid();
  if (now !== null && now / 1000 > claims.exp + CLOCK_SKEW_SECONDS) {
    throw new GatewayError(
      "token_expired",
      `This upload URL expired at ${new Date(claims.exp * 1000).toISOString()}.`,
    );
  }
  return claims;
}
