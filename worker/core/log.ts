// Every log line is one JSON object (as Workers Logs recommends, for lines it can search and filter:
// https://developers.cloudflare.com/workers/observability/logs/workers-logs/), carrying the request's id
// wherever there is a request. Texts are cut (LIMITS.logTextChars) and scrubbed
// of what must never reach a log even by accident: a URL's query (a signed URL's token) and a Bearer
// credential. Keys and tokens are never passed in; the scrub is the net under that rule.
import { LIMITS } from "./limits.ts";

export type LogLevel = "info" | "warn" | "error";
export type LogFields = Readonly<Record<string, unknown>>;

const QUERY = /(\b[a-z][\w+.-]*:\/\/[^\s?#"'<>]*)\?[^\s#"'<>]*/gi;
const BEARER = /\b(bearer)\s+[^\s"',;]+/gi;

/** A text as logged: scrubbed, then cut. */
export function loggable(text: string): string {
  const clean = text.replace(QUERY, "$1?…").replace(BEARER, "$1 …");
  return clean.length > LIMITS.logTextChars ? `${clean.slice(0, LIMITS.logTextChars)}…` : clean;
}

/** Errors as their name, message, stack and cause (JSON.stringify gives `{}` for an Error). */
function field(_key: string, value: unknown): unknown {
  if (typeof value === "string") return loggable(value);
  if (value instanceof Error) {
    const { name, message, stack, cause } = value;
    return { name, message, ...(stack ? { stack } : {}), ...(cause === undefined ? {} : { cause }) };
  }
  return value;
}

/** Writes one line: `{ level, msg, ...fields }`, to the console method of its level. */
export function log(level: LogLevel, msg: string, fields: LogFields = {}): void {
  let line: string;
  try {
    line = JSON.stringify({ level, msg, ...fields }, field);
  } catch {
    // A value JSON cannot hold (a cycle, a BigInt): the line still goes, without its fields.
    line = JSON.stringify({ level, msg, unloggable: Object.keys(fields) });
  }
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
