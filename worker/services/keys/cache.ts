// Who a credential is, remembered by the isolate for KEY_CACHE_MS (core/config.ts keyCacheMs): a key's
// lookup is otherwise a D1 round trip before every request, to the database's primary, wherever that is.
// What is remembered is the stored key and its project's quotas, not a verdict: expiry is checked against
// the clock on every hit. A key revoked, or a project's quotas set, through this isolate is forgotten here at
// once (forgetProject); other isolates see it when their entry lapses, so the cache's lifetime is the bound
// on revocation (LIMITS.maxKeyCacheMs at most).
import { LIMITS } from "../../core/limits";

interface Entry<T> {
  readonly value: T;
  readonly until: number;
  readonly project: string;
}

const entries = new Map<string, Entry<unknown>>();

/**
 * `load()`'s answer for `id` (a fingerprint of the credential, never the credential), from memory when it
 * was loaded less than `ttlMs` ago. `projectOf` names the project an answer belongs to, so changes to the
 * project can forget it. Null answers (an unknown key) are not remembered: a key just made must work at once.
 */
export async function remembered<T>(
  id: string,
  ttlMs: number,
  load: () => Promise<T | null>,
  projectOf: (value: T) => string,
  now = Date.now(),
): Promise<T | null> {
  const hit = entries.get(id);
  if (hit && hit.until > now) {
    // Least recently used last out: a hit moves to the back of the Map's order.
    entries.delete(id);
    entries.set(id, hit);
    return hit.value as T;
  }
  entries.delete(id);
  const value = await load();
  if (value === null || ttlMs === 0) return value;
  entries.set(id, { value, until: now + ttlMs, project: projectOf(value) });
  while (entries.size > LIMITS.keyCacheEntries) {
    const oldest = entries.keys().next().value;
    if (oldest === undefined) break;
    entries.delete(oldest);
  }
  return value;
}

/** Forgets every credential of `project` in this isolate (a key revoked, the project's quotas set). */
export function forgetProject(project: string): void {
  for (const [id, entry] of entries) if (entry.project === project) entries.delete(id);
}
