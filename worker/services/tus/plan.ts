// What a tus creation asks for, checked before a byte is stored: Upload-Metadata against every target
// provider (a fan-out names several) and, for a ticket's tus_url, against the ticket's rules.
import type { Env } from "../../core/config";
import { GatewayError, tooLarge } from "../../core/errors";
import { baseName, essence } from "../../core/media";
import { configured } from "../../providers/config";
import type { ProviderId } from "../../providers/kit/capability";
import { optionsIn } from "../../providers/kit/capability";
import { capability, isProviderId, resumableLimit } from "../../providers/table";
import { noSuchField } from "../upload/advice";
import { applyPolicy, checkContentTypes } from "../upload/policy";
import { type FileType, type Options, validateName, validateOptions } from "../upload/validate";

/** What a ticket fixes and bounds, as its signed claims carry it (sessions/token.ts). */
export interface TicketRules {
  readonly provider: ProviderId;
  readonly max_bytes: number;
  readonly content_types: readonly string[];
  readonly fixed: Options;
  readonly filename?: string;
}

export interface Plan {
  providers: ProviderId[];
  options: Options;
  name: string;
  type: FileType;
  /** The largest file every target (and the ticket) takes: a deferred length is held to it as bytes arrive. */
  limit: number;
}

/** Reads and checks Upload-Metadata against every target provider (and the token's policy). */
export function plan(
  metadata: Record<string, string>,
  length: number,
  claims: TicketRules | undefined,
  env: Env,
): Plan {
  const listed = (metadata.providers ?? metadata.provider ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (claims && listed.some((p) => p !== claims.provider)) {
    throw new GatewayError("invalid_field", `This upload URL is for ${claims.provider}.`);
  }
  const providers = claims ? [claims.provider] : [...new Set(listed)];
  if (providers.length === 0)
    throw new GatewayError(
      "invalid_field",
      'Name the provider in Upload-Metadata ("provider" or "providers").',
    );
  const given = optionsIn(metadata);
  const options = claims ? applyPolicy(given, { maxBytes: 0, contentTypes: [], fixed: claims.fixed }) : given;
  const sent = metadata.filename ?? metadata.name;
  const name = claims?.filename ?? (sent ? baseName(sent) : undefined);
  if (claims?.filename && (sent ? baseName(sent) : claims.filename) !== claims.filename) {
    throw new GatewayError(
      "invalid_field",
      `The filename is fixed by this upload URL to "${claims.filename}".`,
    );
  }
  if (!name) throw new GatewayError("filename_missing", 'Name the file in Upload-Metadata ("filename").');
  const declared = essence(metadata.filetype ?? metadata.type);
  let type: FileType | undefined;
  const resolved: Options = {};
  let most = claims ? claims.max_bytes : Number.POSITIVE_INFINITY;
  for (const id of providers) {
    if (!isProviderId(id)) throw new GatewayError("unknown_provider", `No provider "${id}".`);
    configured(env, id);
    const cap = capability(id);
    // Fan-out: each provider takes the options it has fields for (each adapter reads only its own).
    const own = Object.fromEntries(
      Object.entries(options).filter(([k]) => cap.fields.some((f) => f.name === k)),
    );
    Object.assign(resolved, validateOptions(cap, own, "tus"));
    type = validateName(cap, name, declared, resolved);
    const limit = resumableLimit(cap);
    most = Math.min(most, limit);
    if (length > limit) {
      throw tooLarge({ bytes: limit, detail: `${cap.name} takes files up to ${limit} bytes` }, length, {
        provider: id,
      });
    }
  }
  if (claims && length > claims.max_bytes) {
    const detail = `This upload URL takes files up to ${claims.max_bytes} bytes`;
    throw tooLarge({ bytes: claims.max_bytes, detail }, length);
  }
  const unused = Object.keys(options).find((k) => !(k in resolved));
  if (unused) {
    // Every provider named was checked above: one alone names its own fields.
    if (providers.length === 1) throw noSuchField(capability(providers[0] as ProviderId), unused);
    throw new GatewayError("invalid_field", `No provider named here takes "${unused}".`, {
      extras: { field: unused },
    });
  }
  if (!type) throw new Error("unreachable: at least one provider");
  if (claims) checkContentTypes(type, claims.content_types);
  return { providers: providers as ProviderId[], options: resolved, name, type, limit: most };
}
