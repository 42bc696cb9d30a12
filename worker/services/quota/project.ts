// One Durable Object per project (named by the project): its quota ledger (./ledger.ts), so every edge
// location reserves against the same numbers, exactly — a Durable Object runs one call at a time, and each
// change is written before its answer leaves (output gates:
// https://developers.cloudflare.com/durable-objects/api/storage-api/). It handles only quotas.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../core/config";
import { emptyLedger, type LedgerState, type Reserved, reserve, type Scope, settle } from "./ledger";

const KEY = "ledger";

export class ProjectQuota extends DurableObject<Env> {
  private ledger: LedgerState = emptyLedger(Date.now());

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Rebuilt from storage after an eviction or a restart: the reservations and the day's bytes survive.
    ctx.blockConcurrencyWhile(async () => {
      this.ledger = (await ctx.storage.get<LedgerState>(KEY)) ?? this.ledger;
    });
  }

  async reserve(scopes: readonly Scope[], bytes: number): Promise<Reserved> {
    const answer = reserve(this.ledger, scopes, bytes, Date.now());
    await this.ctx.storage.put(KEY, this.ledger);
    return answer;
  }

  async settle(id: string, bytes: number): Promise<void> {
    settle(this.ledger, id, bytes, Date.now());
    await this.ctx.storage.put(KEY, this.ledger);
  }
}

export function projectQuota(env: Env, project: string): DurableObjectStub<ProjectQuota> {
  const namespace = env.QUOTAS as unknown as DurableObjectNamespace<ProjectQuota>;
  return namespace.get(namespace.idFromName(project));
}
