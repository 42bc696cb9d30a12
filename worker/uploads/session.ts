// One Durable Object per signed upload: its state, strongly consistent. Every method runs to completion
// before the next event is delivered (storage input gates), so "exactly one upload claims the URL" holds
// without locks. Callbacks are delivered from the alarm and retried with backoff.
import { DurableObject } from "cloudflare:workers";
import type { components } from "../../generated/gateway";
import type { Env } from "../env";
import { deliverCallback } from "./callback";
import { CLOCK_SKEW_SECONDS } from "./token";

export type UploadStatus = components["schemas"]["UploadStatus"]["status"];
export type UploadRecord = components["schemas"]["UploadStatus"];

interface Stored {
  record: UploadRecord;
  callback_url: string | null;
  callback: { attempts: number; delivered: boolean; last_error: string | null };
}

export type Claim = { ok: true } | { ok: false; reason: "used" | "in_use" | "expired" | "unknown" };

/** Callback attempts before giving up: about 4 hours of backoff in all. */
export const CALLBACK_ATTEMPTS = 8;
export const backoffMs = (attempt: number) => Math.min(1000 * 4 ** (attempt - 1), 3_600_000);

const KEY = "upload";

/** A pending or failed upload past its expiry (and the tokens' clock-skew allowance) reads as expired. */
function current(record: UploadRecord, now = Date.now()): UploadRecord {
  const open = record.status === "pending" || record.status === "failed";
  const expired = now > Date.parse(record.expires_at) + CLOCK_SKEW_SECONDS * 1000;
  return open && expired ? { ...record, status: "expired" } : record;
}

export class UploadSession extends DurableObject<Env> {
  private async load(): Promise<Stored | undefined> {
    return this.ctx.storage.get<Stored>(KEY);
  }

  async create(record: UploadRecord, callbackUrl: string | null): Promise<void> {
    if (await this.load()) throw new Error(`upload ${record.id} exists`);
    await this.ctx.storage.put<Stored>(KEY, {
      record,
      callback_url: callbackUrl,
      callback: { attempts: 0, delivered: false, last_error: null },
    });
  }

  async status(): Promise<UploadRecord | null> {
    const stored = await this.load();
    return stored ? current(stored.record) : null;
  }

  /**
   * Claims the URL for one upload. Pending → receiving. A failed upload may be tried again until it
   * expires (a phone that lost its connection retries the same URL); completed or in progress may not.
   */
  async begin(): Promise<Claim> {
    const stored = await this.load();
    if (!stored) return { ok: false, reason: "unknown" };
    const record = current(stored.record);
    if (record.status === "expired") return { ok: false, reason: "expired" };
    if (record.status === "completed") return { ok: false, reason: "used" };
    if (record.status === "receiving") return { ok: false, reason: "in_use" };
    const { error: _previous, ...rest } = stored.record;
    await this.ctx.storage.put<Stored>(KEY, { ...stored, record: { ...rest, status: "receiving" } });
    return { ok: true };
  }

  async finish(outcome: Pick<UploadRecord, "result"> | Pick<UploadRecord, "error">): Promise<UploadRecord> {
    const stored = await this.load();
    if (!stored) throw new Error("finish without an upload");
    const record: UploadRecord = {
      ...stored.record,
      ...outcome,
      status: "result" in outcome ? "completed" : "failed",
      finished_at: new Date().toISOString(),
    };
    await this.ctx.storage.put<Stored>(KEY, {
      ...stored,
      record,
      callback: { attempts: 0, delivered: false, last_error: null },
    });
    if (stored.callback_url) await this.ctx.storage.setAlarm(Date.now());
    return record;
  }

  /** Delivers the callback for the latest outcome; on failure, tries again later. */
  override async alarm(): Promise<void> {
    const stored = await this.load();
    if (!stored?.callback_url || stored.callback.delivered) return;
    const attempt = stored.callback.attempts + 1;
    const error = await deliverCallback(
      stored.callback_url,
      current(stored.record),
      this.env.SIGNING_SECRET ?? "",
    );
    const callback = { attempts: attempt, delivered: error === null, last_error: error };
    await this.ctx.storage.put<Stored>(KEY, { ...stored, callback });
    if (error !== null && attempt < CALLBACK_ATTEMPTS)
      await this.ctx.storage.setAlarm(Date.now() + backoffMs(attempt));
  }

  /** Callback delivery state, for tests and operators. */
  async callbackState(): Promise<Stored["callback"] | null> {
    return (await this.load())?.callback ?? null;
  }
}
