// keep_days: how long a kept original stays (docs/reuse.md), bounded by LIMITS.keepDaysMax.
import { GatewayError } from "../../core/errors";
import { LIMITS } from "../../core/limits";

/** keep_days as a text field, query parameter or metadata value: an integer within LIMITS.keepDaysMax. */
export function parseKeepDays(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const days = /^[0-9]{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(days <= LIMITS.keepDaysMax))
    throw new GatewayError(
      "invalid_field",
      `"keep_days" is a whole number of days from 0 to ${LIMITS.keepDaysMax}.`,
      { extras: { field: "keep_days" } },
    );
  return days;
}

/** When an original kept `days` from `now` is due to go. */
export const keptUntil = (days: number, now = Date.now()) => now + days * LIMITS.keepDayMs;
