// What a delivery of a staged file leaves behind: each provider's result in the file registry, what it adds
// to the usage of the key the upload counts against, its event (upload.completed or upload.failed), and the
// staged object kept as the owner's original where the upload asked for it (docs/reuse.md).
import type { Env } from "../../core/config";
import { GatewayError } from "../../core/errors";
import { capability } from "../../providers/table";
import type { Delivery } from "../delivery/deliver";
import { failedQuietly } from "../events/failed";
import type { TusUpload } from "../records/record";
import { recordQuietly } from "../registry/files";
import type { StagedFile } from "../staging/staged";
import { keepStaged } from "../upload/kept";

/**
 * Records each provider's result in the file registry, with the options that provider takes, and what it
 * adds to the usage of the key the upload counts against (a failed delivery, as a failure); then keeps the
 * staged object, its digest now known, as the original (the upload's alarm then leaves it).
 */
export async function register(
  env: Env,
  owner: string,
  staged: StagedFile,
  tus: TusUpload,
  fresh: readonly Delivery[],
  requestId?: string,
): Promise<void> {
  const account = tus.key === undefined ? undefined : { project: owner, keyId: tus.key };
  for (const d of fresh) {
    if (!d.result) {
      const problem = d.error ?? new GatewayError("internal_error").toProblem();
      await failedQuietly(
        env,
        { account, owner, provider: d.provider, uploadId: staged.id, problem },
        requestId,
      );
      continue;
    }
    const fields = capability(d.provider).fields.map((f) => f.name as string);
    const own = Object.fromEntries(Object.entries(tus.options).filter(([k]) => fields.includes(k)));
    const tally = { uploads: 1, bytes: d.result.file.size };
    const usage = account ? { account, tally } : undefined;
    await recordQuietly(env, owner, d.result, own, usage, requestId);
  }
  if (tus.keepDays && staged.sha256 !== undefined)
    await keepStaged(env, owner, { ...staged, sha256: staged.sha256 }, tus.keepDays);
}
