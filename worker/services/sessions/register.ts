// What a delivery of a staged file leaves behind: each provider's result in the file registry, and what it
// adds to the usage of the key the upload counts against.
import type { Env } from "../../core/config";
import { capability } from "../../providers/table";
import type { Delivery } from "../delivery/deliver";
import type { TusUpload } from "../records/record";
import { recordQuietly } from "../registry/files";
import { tallyQuietly } from "../usage/usage";

/**
 * Records each provider's result in the file registry, with the options that provider takes, and what it
 * adds to the usage of the key the upload counts against (a failed delivery, as a failure).
 */
export async function register(
  env: Env,
  owner: string,
  tus: TusUpload,
  fresh: readonly Delivery[],
  requestId?: string,
): Promise<void> {
  const account = tus.key === undefined ? undefined : { project: owner, keyId: tus.key };
  for (const d of fresh) {
    if (!d.result) {
      if (account) await tallyQuietly(env.DB, account, d.provider, { failures: 1 }, requestId);
      continue;
    }
    const fields = capability(d.provider).fields.map((f) => f.name as string);
    const own = Object.fromEntries(Object.entries(tus.options).filter(([k]) => fields.includes(k)));
    const tally = { uploads: 1, bytes: d.result.file.size };
    const usage = account ? { account, tally } : undefined;
    await recordQuietly(env.DB, owner, d.result, own, usage, requestId);
  }
}
