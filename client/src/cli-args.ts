// The CLI's flags as node:util parseArgs reads them, and what a flag's value must be (one provider, a whole
// number, a time). A flag used wrongly is a UsageError: exit 2 with the usage text, nothing sent.
import { parseArgs } from "node:util";

export class UsageError extends Error {}

const OPTIONS = {
  url: { type: "string" },
  key: { type: "string" },
  // Several for `keys create` (the key's providers); one everywhere else (one()).
  provider: { type: "string", short: "p", multiple: true },
  purpose: { type: "string" },
  user: { type: "string" },
  account: { type: "string" },
  metadata: { type: "string" },
  "expires-after": { type: "string" },
  "display-name": { type: "string" },
  filename: { type: "string" },
  limit: { type: "string" },
  cursor: { type: "string" },
  "chunk-size": { type: "string" },
  "keep-days": { type: "string" },
  parallel: { type: "string" },
  resumable: { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  // keys create
  action: { type: "string", multiple: true },
  "bytes-per-day": { type: "string" },
  "uploads-per-minute": { type: "string" },
  "max-file-bytes": { type: "string" },
  concurrent: { type: "string" },
  expires: { type: "string" },
  // usage (--key is the gateway key this CLI sends, so a key to filter by is --key-id)
  from: { type: "string" },
  to: { type: "string" },
  "key-id": { type: "string" },
} as const;

export type Parsed = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
export type Values = Parsed["values"];

export function parse(args: string[]): Parsed {
  try {
    return parseArgs({ args, allowPositionals: true, options: OPTIONS });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The one value of a flag that may be given once here (`--provider` outside `keys create`). */
export function one(flag: string, values: readonly string[] | undefined): string | undefined {
  if (values && values.length > 1) throw new UsageError(`--${flag} is given once here.`);
  return values?.[0];
}

/** A flag's value as a whole number ≥ 1 (the gateway holds it to its own bounds), or undefined. */
export function count(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`--${flag} takes a whole number of at least 1 (got "${value}").`);
  return Number(value);
}

/** A flag's value as a whole number, 0 allowed (--keep-days 0: not kept); the gateway bounds it. */
export function whole(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,6}$/.test(value)) throw new UsageError(`--${flag} takes a whole number (got "${value}").`);
  return Number(value);
}

/** A flag's value as a time (ISO 8601: 2027-01-31, 2027-01-31T12:00:00Z), as the gateway takes it. */
export function time(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`--${flag} takes a time such as 2027-01-31T12:00:00Z.`);
  return new Date(ms).toISOString();
}
