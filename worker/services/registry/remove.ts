// DELETE /v1/files/{id}: the provider's copy first (where it documents a delete API and no other record of
// the owner still holds it), then the record, then a staged R2 copy nothing still needs. A provider failure
// throws its problem (502 and the like) before anything here has changed.
import { type Env, providerTimeoutMs } from "../../core/config";
import { adapter } from "../../providers/adapters";
import { configured } from "../../providers/config";
import { toGatewayError } from "../../providers/failure";
import { answerCapped } from "../../providers/kit/answer";
import { isKept } from "../originals/store";
import { stagedKey } from "../staging/staged";
import { type FileRecord, getFiles, markDeleted, providerCopyShared, stagedCopyInUse } from "./files";

/**
 * The staged copy stays while a live staged record hands it out, or while `uploadNeedsStaged` says its upload
 * may still deliver it (a fan-out's provider awaiting a retry: the upload's Durable Object knows): deleting
 * one provider's record must not take the bytes another provider's retry would send. The object's own
 * retention and the daily sweep remove the copy in the end.
 */
export async function removeFile(
  env: Env,
  owner: string,
  record: FileRecord,
  uploadNeedsStaged: (uploadId: string) => Promise<boolean>,
  requestId?: string,
): Promise<FileRecord> {
  if (record.status === "deleted") return record;
  const remove = adapter(record.provider).remove;
  // A staged record's provider never received the file: it only holds a URL to our copy.
  const atProvider =
    remove !== undefined &&
    record.status !== "staged" &&
    record.provider_file_id !== null &&
    !(await providerCopyShared(env.DB, owner, record));
  if (atProvider && record.provider_file_id !== null) {
    const result = await remove({
      providerFileId: record.provider_file_id,
      options: record.options,
      config: configured(env, record.provider),
      fetch: answerCapped(),
      signal: AbortSignal.timeout(providerTimeoutMs(env)),
    });
    if (result.error) throw toGatewayError(record.provider, result.error, "delete");
  }
  await markDeleted(env, owner, record, atProvider, requestId);
  const needed =
    (await stagedCopyInUse(env.DB, record.upload_id)) || (await uploadNeedsStaged(record.upload_id));
  // A kept original (docs/reuse.md) stays until its own retention ends: the originals' sweep deletes it.
  if (!needed && !(await isKept(env.DB, record.upload_id)))
    await env.STAGING.delete(stagedKey(record.upload_id));
  const [after] = await getFiles(env.DB, owner, record.id, record.provider);
  if (!after) throw new Error("unreachable: the record was just updated");
  return after;
}
