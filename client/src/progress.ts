// The CLI's progress display: on a terminal, one redrawn line (bar, percent, bytes, rate, ETA); elsewhere a
// plain line every 5%. Rate and ETA count only the bytes this run sent: a resumed upload starts at the offset
// the gateway already had, and counting those bytes as sent in no time made the rate absurd (and the ETA 0).
// Once every byte is sent the gateway still delivers to the provider before it answers: "delivering…" then.
import { humanDuration, humanSize } from "./format";
import { inert } from "./terminal";
import type { Progress } from "./types";

export interface ProgressOutput {
  /** Whether to draw a redrawn bar (a terminal) or write plain lines. */
  tty: boolean;
  write(text: string): void;
  /** The terminal's width (default 80). */
  columns?: number | undefined;
  /** Milliseconds; Date.now unless given. */
  now?: () => number;
}

const baseName = (path: string) => path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);

export function progressPrinter(label: string, out: ProgressOutput) {
  const now = out.now ?? Date.now;
  const name = inert(label);
  /** This run's first report: its time and bytes (an upload resumed at an offset starts there). */
  let first: { at: number; loaded: number } | undefined;
  let lastStep = -1;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let delivering = false;

  const rateOf = (p: Progress, at: number) => {
    if (!first || at <= first.at) return 0;
    return (p.loaded - first.loaded) / ((at - first.at) / 1000);
  };

  return {
    /** A tus upload picked up an earlier one at `offset` bytes. */
    resumed(offset: number) {
      if (out.tty) out.write("\r\x1b[2K");
      out.write(`${name}: resuming at ${humanSize(offset)}\n`);
    },
    update(p: Progress) {
      const at = now();
      first ??= { at, loaded: p.loaded };
      const sent = p.loaded >= p.total;
      const pct = Math.floor(p.fraction * 100);
      const sizes = `${humanSize(p.loaded)}/${humanSize(p.total)}`;
      if (!out.tty) {
        const step = Math.floor(pct / 5);
        if (step !== lastStep) {
          lastStep = step;
          out.write(`${name}: ${pct}% (${sizes}, ${p.transport})\n`);
        }
        if (sent && !delivering) {
          delivering = true;
          out.write(`${name}: all sent, delivering…\n`);
        }
        return;
      }
      if (at - lastDraw < 80 && !sent) return;
      if (sent && delivering) return;
      delivering = sent;
      lastDraw = at;
      const rate = rateOf(p, at);
      const tail = sent
        ? "delivering…"
        : `${humanSize(rate)}/s ETA ${humanDuration(rate > 0 ? (p.total - p.loaded) / rate : Number.NaN)}`;
      const width = Math.max(10, Math.min(30, (out.columns ?? 80) - 60));
      const full = Math.round(p.fraction * width);
      const bar = `${"█".repeat(full)}${"░".repeat(width - full)}`;
      out.write(
        `\r\x1b[2K${inert(baseName(label).slice(0, 24))} ${bar} ${String(pct).padStart(3)}% ${sizes} ${tail}`,
      );
    },
    done() {
      if (out.tty) out.write("\n");
    },
  };
}
