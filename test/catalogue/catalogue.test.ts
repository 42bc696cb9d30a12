// Every problem code in the catalogue (worker/core/errors.ts ERRORS) is produced by some test: this runs
// after all other tests (sequence.groupOrder) and reads the ledger problemOf() wrote to (collector.ts). A
// code no test produced fails here, by name. Runs only when the workers project ran (`npm test`).
import { describe, expect, inject, it } from "vitest";
import { ERRORS } from "../../worker/core/errors";

const ledger = inject("catalogueUrl");

describe.skipIf(ledger === undefined)("the error catalogue", () => {
  it("every code is produced, as a problem, by at least one test", async () => {
    const response = await fetch(`${ledger}/seen`);
    const seen = (await response.json()) as string[];
    const never = Object.keys(ERRORS).filter((code) => !seen.includes(code));
    expect(never, `error codes no test produced: ${never.join(", ")}`).toEqual([]);
    // Nothing outside the catalogue either: problemOf saw only codes ERRORS defines.
    expect(seen.filter((code) => !Object.hasOwn(ERRORS, code))).toEqual([]);
  });
});
