// What every provider folder declares about its provider (its provider.ts): the facts validation,
// GET /v1/providers, the docs' tables (scripts/docs.mjs), the generator, `npm start` and the tests all derive from.
// Data only (type imports), so Node scripts read it too (scripts/providers.mjs).
import type { components } from "../../../generated/gateway";
import type { Extension } from "../../core/media";

export type ProviderId = components["schemas"]["ProviderId"];
export type Purpose = components["schemas"]["Purpose"];
export type FieldName = components["schemas"]["Field"]["name"];

/** Option values of an upload (purpose, user, account), validated against the provider's fields. */
export type Options = Partial<Record<FieldName, string>>;

/** Every option name (the spec's Field enum), in one place: the compiler holds it to FieldName. */
export const FIELD_NAMES = [
  "purpose",
  "user",
  "account",
  "expires_after",
  "display_name",
  "metadata",
] as const satisfies readonly FieldName[];
const _everyName: [Exclude<FieldName, (typeof FIELD_NAMES)[number]>] extends [never] ? true : never = true;

/** The options among a record's members (a JSON body, tus metadata): string values of the option names. */
export function optionsIn(record: Readonly<Record<string, unknown>>): Options {
  const out: Options = {};
  for (const name of FIELD_NAMES) {
    const value = record[name];
    if (typeof value === "string") out[name] = value;
  }
  return out;
}

export interface FieldSpec {
  readonly name: FieldName;
  readonly required: boolean;
  readonly description: string;
  /**
   * Allowed values, each with the extensions it accepts (MiniMax's purpose); a value without `extensions`
   * restricts no format beyond the provider's own (OpenAI's `user_data` purpose takes any file).
   */
  readonly values?: readonly { readonly value: string; readonly extensions?: readonly Extension[] }[];
  /** An integer option within these bounds, inclusive (OpenAI's expires_after seconds). */
  readonly range?: { readonly min: number; readonly max: number };
  /** Sent when the caller gives none. */
  readonly default?: string;
  /** An env var whose value is the default when set (useapi's USEAPI_ACCOUNT). */
  readonly defaultVar?: string;
  /**
   * json-object: the value is a JSON object, as JSON text up to LIMITS.optionJsonBytes, sent compacted
   * (Replicate's metadata). Otherwise a short identifier (LIMITS.fieldValueLength).
   */
  readonly format?: "json-object";
}

export interface Capability {
  readonly id: ProviderId;
  readonly name: string;
  /** The vendor document the adapter and spec follow. */
  readonly docs: string;
  /** Its OpenAPI spec in specs/ (the generator turns it into generated/<id>.d.ts). */
  readonly spec: string;
  readonly defaultBaseUrl: string;
  /** The provider's documented per-file limit; null where it documents none. */
  readonly maxBytes: number | null;
  /** Accepted extensions; null where the provider checks types itself (Dify: per deployment). */
  readonly accepted: readonly Extension[] | null;
  readonly fields: readonly FieldSpec[];
  /** How the adapter forwards the file. */
  readonly body: "multipart" | "raw";
  /** How long the provider keeps the file, where documented. */
  readonly retentionSeconds: number | null;
  /**
   * Files larger than this are not uploaded: the provider gets a signed gateway URL to the staged copy
   * instead (WaveSpeed advises URL input over 300 MB).
   */
  readonly urlAboveBytes?: number;
  /**
   * Files larger than this go through a multi-step upload that declares the exact size first (OpenAI's
   * Uploads API): the pipeline commits to an exact size above it, as for a raw body.
   */
  readonly exactAboveBytes?: number;
  /** Local development and tests: where the sandbox serves this provider, and with which key. */
  readonly dev: DevWiring;
}

export interface DevWiring {
  /** Path of the provider's base URL on the sandbox (e.g. "/dify/v1"). */
  readonly sandboxPath: string;
  /** The API key the sandbox accepts for this provider. */
  readonly sandboxKey: string;
  /** Other vars `npm start` and the tests set. */
  readonly vars?: Readonly<Record<string, string>>;
  /** A file this provider takes, for the conformance suite and examples. */
  readonly sample: {
    readonly ext: Extension;
    readonly type: string;
    readonly fields: Record<string, string>;
  };
  /** The HTTP status the sandbox answers an in-band failure with (200 where the dialect has them). */
  readonly inBandStatus: number;
}

/** The env var names of a provider's key and base URL. */
export const envNames = (id: string) => {
  const prefix = id.toUpperCase();
  return { apiKey: `${prefix}_API_KEY`, baseUrl: `${prefix}_BASE_URL` } as const;
};

export const MB = 1024 * 1024;
export const DAY_SECONDS = 24 * 60 * 60;
