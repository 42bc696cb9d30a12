// Records a problem code a test produced, in the ledger the catalogue check reads (collector.ts). Runs in
// workerd; outside the workers project (no ledger) it records nothing.
import { inject } from "vitest";

export async function recordProblemCode(code: string): Promise<void> {
  const ledger = inject("catalogueUrl");
  if (ledger === undefined) return;
  const response = await fetch(`${ledger}/seen`, { method: "POST", body: code });
  if (!response.ok) throw new Error(`the error catalogue's ledger answered ${response.status}`);
}
