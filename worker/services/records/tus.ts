// A resumable upload's steps beyond the core state machine (./record.ts), as pure functions of the stored
// record: whether it may be written, its progress, termination (of an unfinished or a finished upload), and
// concatenation (tus 1.0.0 "concatenation": partial uploads handed over to the final upload that names them).
import type { components } from "../../../generated/gateway";
import type { Piece } from "../staging/concat";
import type { StagingState } from "../staging/rechunk";
import type { Caller, Refusal, Step, Stored } from "./record";
import { current, permits, settle } from "./record";

type Problem = components["schemas"]["Problem"];

/** Why a tus request may not change the upload: gone (terminated/expired), or finished. */
export function tusWritable(stored: Stored | undefined, now: number): Refusal | null {
  if (!stored?.tus) return "unknown";
  if (stored.tus.terminated || stored.tus.ended || current(stored, now).status === "expired") return "gone";
  if (stored.tus.staging.complete || stored.record.status === "completed") return "complete";
  return null;
}

/** Progress of a resumable upload (a committed part, or the last byte: then it is staged). */
export function progress(stored: Stored, now: number, staging: StagingState): Stored {
  if (!stored.tus) return stored;
  const stagedAt = staging.complete ? (stored.tus.stagedAt ?? now) : undefined;
  return { ...stored, tus: { ...stored.tus, staging, ...(stagedAt === undefined ? {} : { stagedAt }) } };
}

/** Termination by the client (tus DELETE) of an unfinished upload: its bytes are already discarded. */
export function terminated(stored: Stored, now: number, error: Problem): Stored {
  if (!stored.tus) return stored;
  return settle({ ...stored, tus: { ...stored.tus, terminated: true } }, now, { status: "failed", error });
}

/**
 * Termination (tus DELETE) of an upload whose bytes have all arrived: the tus resource ends and the record
 * (its outcome, its deliveries) stays as it is; `kept` says whether the staged copy was kept because a
 * provider's result still points to it (its alarm deletes it at retention), else it is already discarded.
 */
export function ended(stored: Stored, kept: boolean): Stored {
  if (!stored.tus) return stored;
  return { ...stored, tus: { ...stored.tus, ended: true, ...(kept ? {} : { terminated: true }) } };
}

/** Whether a provider's result points to the staged copy itself (a signed URL to it: WaveSpeed over 300 MB). */
export const stagedInUse = (stored: Stored): boolean =>
  (stored.record.deliveries ?? []).some((d) => d.result?.status === "staged") ||
  stored.record.result?.status === "staged";

/** A partial's piece as it is handed over, with when its bytes all arrived (its retention's start). */
export interface HandedPiece extends Piece {
  readonly stagedAt: number;
}

/** Why a partial can't be part of a final upload; "unfinished" is the client's to fix. */
export type PieceRefusal = Refusal | "unfinished" | "not_partial";

/**
 * A partial upload's bytes for the final upload `final`, and (with `take`) the partial handed over: its
 * bytes are the final's from then on (its own alarm no longer discards them, the final's does). Another
 * owner's partial is as unknown as none; one already taken by another final can't be taken again.
 */
export function handOver(
  stored: Stored | undefined,
  caller: Caller,
  now: number,
  final: string,
  take: boolean,
): Step<HandedPiece> | { readonly refused: PieceRefusal } {
  if (!permits(stored, caller) || !stored.tus) return { refused: "unknown" };
  const tus = stored.tus;
  if (!tus.partial) return { refused: "not_partial" };
  if (tus.usedBy !== undefined) return tus.usedBy === final ? piece(stored) : { refused: "used" };
  const why = tusWritable(stored, now);
  if (why === "gone") return { refused: "gone" };
  if (!tus.staging.complete) return { refused: "unfinished" };
  if (!take) return piece(stored);
  return { next: { ...stored, tus: { ...tus, usedBy: final, terminated: true } }, value: pieceOf(stored) };
}

const pieceOf = (stored: Stored): HandedPiece => ({
  key: stored.tus?.staging.key ?? "",
  size: stored.tus?.staging.length ?? 0,
  stagedAt: stored.tus?.stagedAt ?? 0,
});
const piece = (stored: Stored) => ({ next: stored, value: pieceOf(stored) });

/** Gives a partial back when the final that took it could not be created. */
export function release(stored: Stored, final: string): Stored {
  if (stored.tus?.usedBy !== final) return stored;
  const { usedBy: _u, terminated: _t, ...tus } = stored.tus;
  return { ...stored, tus };
}

/** A deferred length, declared (creation-defer-length): the staging and the file take it, the bound goes. */
export function lengthKnown(stored: Stored, length: number): Stored {
  const tus = stored.tus;
  if (!tus?.deferred) return stored;
  const { deferred: _d, ...rest } = tus;
  return {
    ...stored,
    tus: { ...rest, staging: { ...tus.staging, length }, file: { ...tus.file, size: length } },
  };
}
