// The dependency rule for worker/ (`npm run check:deps`): dependencies point one way,
// http → services → providers → core (a layer may skip the ones below it), worker/index.ts alone wires
// everything, and no import cycle at all, also within a layer. Type-only imports count: a cycle or an
// upward import through types is the same coupling, whatever the bundle keeps.
const layer = (name) => `^worker/${name}/`;
const TOOLS = "^(test|sandbox|scripts|bench)/";

/**
 * Violations that exist and are owned elsewhere, each to be fixed by its owner: scripts/check-deps.mjs
 * reports these without failing, fails on any other, and fails when one of these is gone (delete it here
 * then, so it cannot come back unnoticed). dependency-cruiser's own --ignore-known skips nothing for
 * folder-scope rules (18.7.2), hence this list.
 */
export const KNOWN = [];

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "No import cycles anywhere in worker/, within a layer or across layers.",
      from: { path: "^worker/" },
      to: { circular: true },
    },
    {
      name: "no-circular-folders",
      severity: "error",
      scope: "folder",
      comment: "No cycle between worker/'s folders either (services/upload ↔ services/delivery).",
      from: { path: "^worker/" },
      to: { path: "^worker/", circular: true },
    },
    {
      name: "core-imports-nothing-above",
      severity: "error",
      comment: "core/ is the bottom layer: it imports no other part of worker/.",
      from: { path: layer("core") },
      to: { path: "^worker/", pathNot: layer("core") },
    },
    {
      name: "providers-not-up",
      severity: "error",
      comment: "providers/ may import core/ only (and itself): never services/, http/ or the entry.",
      from: { path: layer("providers") },
      to: { path: "^worker/", pathNot: [layer("providers"), layer("core")] },
    },
    {
      name: "services-not-up",
      severity: "error",
      comment: "services/ may import providers/ and core/ (and itself): never http/ or the entry.",
      from: { path: layer("services") },
      to: { path: "^worker/", pathNot: [layer("services"), layer("providers"), layer("core")] },
    },
    {
      name: "entry-imported-by-nobody",
      severity: "error",
      comment: "worker/index.ts wires everything; nothing in worker/ imports it back.",
      from: { path: "^worker/" },
      to: { path: "^worker/index\\.ts$" },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that does not resolve would slip past every rule above.",
      from: { path: "^worker/" },
      to: { couldNotResolve: true },
    },
    {
      name: "no-tests-or-tools-in-worker",
      severity: "error",
      comment:
        "worker/ does not import the tests, the sandbox or the scripts (a provider's rendition in the " +
        "sandbox lives in sandbox/dialects/, outside the deployed tree).",
      from: { path: "^worker/" },
      to: { path: TOOLS },
    },
    {
      name: "entry-reaches-no-dev-code",
      severity: "error",
      comment: "Nothing the deployed Worker loads (all the entry reaches) is test, sandbox or script code.",
      from: { path: "^worker/index\\.ts$" },
      to: { path: TOOLS, reachable: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // workerd's own modules (cloudflare:workers) resolve at runtime, like node: builtins.
    builtInModules: { add: ["cloudflare:workers", "cloudflare:test"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".d.ts", ".js", ".mjs"],
    },
  },
};
