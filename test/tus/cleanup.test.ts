// Cleanup of staged bytes: a delivered file's staged copy when its retention ends, and the daily sweep.
import { createScheduledController, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../worker/core/config";
import worker from "../../worker/index";
import { SWEEP_AGE_MS } from "../../worker/services/staging/cleanup";
import { stagedKey } from "../../worker/services/staging/staged";
import { randomBytes } from "../helpers";
import { bucket, created, patch, status, stub } from "./helpers";

describe("cleanup", () => {
  it("a delivered file's staged copy is deleted when its retention ends", async () => {
    const { location, id } = await created({ provider: "useapi", filename: "a.png" }, 1000);
    expect((await patch(location, 0, randomBytes(1000), 1000)).status).toBe(204);
    expect(await bucket.head(stagedKey(id))).not.toBeNull();
    await runInDurableObject(stub(id), async (_instance, state) => {
      const stored = (await state.storage.get("upload")) as { tus: { stagedAt: number } };
      stored.tus.stagedAt = Date.now() - 8 * 86400_000;
      await state.storage.put("upload", stored);
    });
    await runDurableObjectAlarm(stub(id));
    expect(await bucket.head(stagedKey(id))).toBeNull();
    // The result stays readable.
    expect((await status(id)).status).toBe("completed");
  });

  it("the daily sweep deletes staged objects older than any upload may live, and only those", async () => {
    const young = `uploads/${crypto.randomUUID()}`;
    await bucket.put(young, "x");
    const ctrl = createScheduledController({
      scheduledTime: Date.now() + SWEEP_AGE_MS + 60_000,
      cron: "17 3 * * *",
    });
    await worker.scheduled(ctrl, env as unknown as Env);
    expect(await bucket.head(young)).toBeNull();
    const fresh = `uploads/${crypto.randomUUID()}`;
    await bucket.put(fresh, "x");
    await worker.scheduled(
      createScheduledController({ scheduledTime: Date.now(), cron: "17 3 * * *" }),
      env as unknown as Env,
    );
    expect(await bucket.head(fresh)).not.toBeNull();
  });
});
