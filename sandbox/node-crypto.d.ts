// The one node:crypto call the sandbox makes; present in Node and in workerd with nodejs_compat.
// Declared here rather than pulling @types/node into a workers-types program.
declare module "node:crypto" {
  export function createHash(algorithm: "sha256"): {
    update(data: Uint8Array): unknown;
    digest(encoding: "hex"): string;
  };
}
