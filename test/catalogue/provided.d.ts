// What the error catalogue's ledger (collector.ts) hands to tests.
declare module "vitest" {
  export interface ProvidedContext {
    /** The ledger of problem codes tests produced; undefined when the workers project did not run. */
    catalogueUrl?: string;
  }
}

export {};
