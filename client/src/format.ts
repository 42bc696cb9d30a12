// Sizes, durations and a key's state and quotas as people read them, for the CLI and the console alike:
// binary units (1 KiB = 1024 B, as `ls -h` and the providers' limits count), one decimal.
import type { Key, Quotas } from "./types";

const UNITS = ["KiB", "MiB", "GiB", "TiB"] as const;

/** 512 B, 1.5 KiB, 12.0 MiB, 4.7 GiB. */
export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} B`;
  let value = bytes / 1024;
  let unit = 0;
  // Past 1023.95 the one-decimal figure would read "1024.0"; the next unit up reads "1.0".
  while (value >= 1023.95 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** 7s, 2m05s; "--" when unknown. */
export function humanDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--";
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** live, revoked or expired (at `now`). */
export const keyState = (k: Pick<Key, "revoked_at" | "expires_at">, now = Date.now()) =>
  k.revoked_at ? "revoked" : k.expires_at && Date.parse(k.expires_at) <= now ? "expired" : "live";

/** A key's quotas in a few words: "2/min, 1.0 MiB/day, files ≤ 10.0 MiB, 3 at once", or "none". */
export function quotaText(q: Quotas): string {
  const parts = [
    ...(q.uploads_per_minute === undefined ? [] : [`${q.uploads_per_minute}/min`]),
    ...(q.bytes_per_day === undefined ? [] : [`${humanSize(q.bytes_per_day)}/day`]),
    ...(q.max_file_bytes === undefined ? [] : [`files ≤ ${humanSize(q.max_file_bytes)}`]),
    ...(q.concurrent_uploads === undefined ? [] : [`${q.concurrent_uploads} at once`]),
  ];
  return parts.length ? parts.join(", ") : "none";
}
