// Marking a record expired now (POST /v1/files/{id}/refresh replaced the provider's copy): "expired" is
// computed at read time from expires_at (./files.ts), so the record's expiry is brought forward to now.
export async function expireNow(db: D1Database, owner: string, id: string, provider: string): Promise<void> {
  const now = new Date().toISOString();
  await db
    .prepare(
      `UPDATE files SET expires_at = ?1 WHERE owner = ?2 AND id = ?3 AND provider = ?4
         AND status != 'deleted' AND (expires_at IS NULL OR expires_at > ?1)`,
    )
    .bind(now, owner, id, provider)
    .run();
}
