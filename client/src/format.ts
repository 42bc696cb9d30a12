// Sizes and durations as people read them, for the CLI and the console alike: binary units (1 KiB = 1024 B,
// as `ls -h` and the providers' limits count), one decimal.

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
