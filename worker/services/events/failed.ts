// upload.failed: a provider failed an upload (direct, ticket, import: services/quota/hold.ts; tus and a
// ticket's fan-out: the upload's Durable Object). The event and the failure's count in the usage rollup are
// written in one batch; like the registry's, a failure to write is logged, never thrown over the upload's.
import type { components } from "../../../generated/gateway";
import { log } from "../../core/log";
import type { ProviderId } from "../../providers/kit/capability";
import { type Account, tallyStatement } from "../usage/usage";
import { commitWithEvents, type EventSink, type NewEvent } from "./log";

type Problem = components["schemas"]["Problem"];

export async function failedQuietly(
  sink: EventSink,
  failure: {
    readonly account?: Account | undefined;
    /** Whose upload it was; none (an unkeyed call): nothing to record an event under. */
    readonly owner?: string | undefined;
    readonly provider: ProviderId;
    readonly uploadId?: string | undefined;
    readonly problem: Problem;
  },
  requestId?: string,
): Promise<void> {
  const { account, owner, provider, uploadId, problem } = failure;
  const statements = account ? [tallyStatement(sink.DB, account, provider, { failures: 1 })] : [];
  const events: NewEvent[] = [];
  if (owner !== undefined) {
    const data = { upload_id: uploadId ?? null, provider, problem };
    events.push({ owner, type: "upload.failed", uploadId: uploadId ?? null, requestId, data });
  }
  if (statements.length + events.length === 0) return;
  await commitWithEvents(sink, statements, events, requestId).catch((error) =>
    log("error", "events: could not record a failure", { request_id: requestId, provider, error }),
  );
}
