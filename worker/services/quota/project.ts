// One Durable Object per project (named by the project): its quota ledger (./ledger.ts), so every edge
// location reserves against the same numbers, exactly — a Durable Object runs one call at a time, and each
// change is written before its answer leaves (output gates:
// https://developers.cloudflare.com/durable-objects/api/storage-api/). It handles only quotas. The ledger
// is kept with the SQLite-backed object's synchronous KV API (ctx.storage.kv): no await inside a call, so
// nothing else interleaves with it, and the write is committed with the call's output.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../core/config";
import { emptyLedger, type LedgerState, type Reserved, reserve, type Scope, settle } from "./ledger";

const KEY = "ledger";

export class ProjectQuota extends DurableObject<Env> {
  private ledger: LedgerState = emptyLedger(Date.now());

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Rebuilt from storage after an eviction or a restart: the reservations and the day's bytes survive.
    this.ledger = ctx.storage.kv.get<LedgerState>(KEY) ?? this.ledger;
  }

  reserve(scopes: readonly Scope[], bytes: number): Reserved {
    const answer = reserve(this.ledger, scopes, bytes, Date.now());
    this.ctx.storage.kv.put(KEY, this.ledger);
    return answer;
  }

  settle(id: string, bytes: number): void {
    settle(this.ledger, id, bytes, Date.now());
    this.ctx.storage.kv.put(KEY, this.ledger);
  }
}

export function projectQuota(env: Env, project: string): DurableObjectStub<ProjectQuota> {
  const namespace = env.QUOTAS as unknown as DurableObjectNamespace<ProjectQuota>;
  return namespace.get(namespace.idFromName(project));
}
