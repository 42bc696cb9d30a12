// Query parameters of the list routes (files, usage, audit): only the known ones, each at most once, and
// the page size bounded — so a typo is a 400 naming it, never a filter silently ignored.
import { GatewayError } from "../core/errors";
import { LIMITS } from "../core/limits";

/** 400 invalid_field about one parameter (named in `field`, for the SDK and CLI to point at). */
export const badField = (detail: string, field: string) =>
  new GatewayError("invalid_field", detail, { extras: { field } });

export function readQuery<K extends string>(url: URL, known: readonly K[]): Partial<Record<K, string>> {
  for (const name of new Set(url.searchParams.keys())) {
    if (!(known as readonly string[]).includes(name))
      throw badField(`Unknown parameter "${name}"; this route takes ${known.join(", ")}.`, name);
    if (url.searchParams.getAll(name).length > 1) throw badField(`"${name}" is given twice.`, name);
  }
  return Object.fromEntries(url.searchParams) as Partial<Record<K, string>>;
}

/** `limit`: an integer from 1 to LIMITS.filesPageMax, LIMITS.filesPageDefault when absent. */
export function pageLimit(value: string | undefined): number {
  if (value === undefined) return LIMITS.filesPageDefault;
  const limit = Number(value);
  if (!/^\d+$/.test(value) || limit < 1 || limit > LIMITS.filesPageMax)
    throw badField(`"limit" is an integer from 1 to ${LIMITS.filesPageMax}.`, "limit");
  return limit;
}
