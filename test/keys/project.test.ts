// A project's own quotas bind all its keys and tickets together, beside each key's own. The project here
// is a bootstrap key of its own (KEY_Q), so its quotas touch no other test's uploads.
import { describe, expect, it } from "vitest";
import type { components } from "../../generated/gateway";
import { marker, problemOf, randomBytes, resultOf } from "../helpers";
import { as, makeKey, upload } from "./helpers";

type Project = components["schemas"]["Project"];
type AuditList = components["schemas"]["AuditList"];

const KEY_Q = `project-key-${crypto.randomUUID()}`;
const Q = { GATEWAY_API_KEYS: KEY_Q };
const setQuotas = (quotas: Record<string, number>, by = KEY_Q) =>
  as(by, "/v1/project", { method: "PUT", body: JSON.stringify({ quotas }) }, by === KEY_Q ? Q : {});

describe("project quotas", () => {
  it("bind every key of the project together, and say whose quota it was", async () => {
    const mark = marker("proj");
    expect(await (await as(KEY_Q, "/v1/project", {}, Q)).json()).toEqual({
      quotas: {},
      keep_days: 0,
      updated_at: null,
    });
    const set = (await (await setQuotas({ uploads_per_minute: 2, max_file_bytes: 5000 })).json()) as Project;
    expect(set.quotas).toEqual({ uploads_per_minute: 2, max_file_bytes: 5000 });
    const [a, b] = [await makeKey({ name: "a" }, KEY_Q, Q), await makeKey({ name: "b" }, KEY_Q, Q)];
    await resultOf(await upload(a.key, `${mark}-a`));
    await resultOf(await upload(b.key, `${mark}-b`));
    const over = await upload(a.key, `${mark}-c`);
    expect(over.headers.get("ratelimit-policy")).toContain('"project_uploads_per_minute";q=2;w=60');
    const problem = await problemOf(over, 429, "quota_exceeded");
    expect(problem.quota).toBe("uploads_per_minute");
    expect(problem.detail).toContain("This project's quota");
    // The project's largest file binds a key that has none.
    await setQuotas({ max_file_bytes: 5000 });
    const big = await problemOf(await upload(b.key, `${mark}-big`, randomBytes(5001)), 413, "file_too_large");
    expect(big.detail).toContain("This project takes files up to 5000 bytes");
    await setQuotas({});
    // Each change is in the audit log, by whom and what.
    const audit = (await (await as(KEY_Q, "/v1/audit", {}, Q)).json()) as AuditList;
    const changes = audit.data.filter((e) => e.action === "project.quotas_set");
    expect(changes.map((e) => e.quotas)).toEqual([
      {},
      { max_file_bytes: 5000 },
      { uploads_per_minute: 2, max_file_bytes: 5000 },
    ]);
    expect(changes.every((e) => e.key_id === null && e.actor_prefix.startsWith("boot_"))).toBe(true);
  });

  it("only an unrestricted admin sets them; a key bound by quotas cannot lift its project's", async () => {
    const bound = await makeKey({ name: "bound admin", quotas: { uploads_per_minute: 5 } }, KEY_Q, Q);
    const refused = await problemOf(await setQuotas({}, bound.key), 403, "scope_denied");
    expect(refused.missing).toBe("keys:admin");
    const reader = await makeKey({ name: "reader", actions: ["files:read"] }, KEY_Q, Q);
    await problemOf(await as(reader.key, "/v1/project"), 403, "scope_denied");
    await problemOf(await setQuotas({ uploads_per_minute: 0 }), 400, "invalid_field");
  });
});
