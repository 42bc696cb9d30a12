// DELETE /v1/files/{id}: the provider's copy first (where it documents a delete API), then the record,
// then a staged R2 copy no live record still hands out. A provider failure throws its problem (502 and
// the like) before anything here has changed.
import { type Env, providerTimeoutMs } from "../../core/config";
import { adapter } from "../../providers/adapters";
import { configured } from "../../providers/config";
import { toGatewayError } from "../../providers/failure";
import { stagedKey } from "../staging/staged";
import { type FileRecord, getFiles, markDeleted, stagedCopyInUse } from "./files";

export async function removeFile(env: Env, owner: string, record: FileRecord): Promise<FileRecord> {
  if (record.status === "deleted") return record;
  const remove = adapter(record.provider).remove;
  // A staged record's provider never received the file: it only holds a URL to our copy.
  const atProvider = remove !== undefined && record.status !== "staged" && record.provider_file_id !== null;
  if (atProvider && record.provider_file_id !== null) {
    const result = await remove({
      providerFileId: record.provider_file_id,
      options: record.options,
      config: configured(env, record.provider),
      fetch: (input, init) => fetch(input, init),
      signal: AbortSignal.timeout(providerTimeoutMs(env)),
    });
    if (result.error) throw toGatewayError(record.provider, result.error, "delete");
  }
  await markDeleted(env.DB, owner, record.id, record.provider, atProvider);
  if (!(await stagedCopyInUse(env.DB, record.id))) await env.STAGING.delete(stagedKey(record.id));
  const [after] = await getFiles(env.DB, owner, record.id, record.provider);
  if (!after) throw new Error("unreachable: the record was just updated");
  return after;
}
