// The provider registry as Node scripts see it (worker/providers/table.ts imports only data). The
// generator, the docs' tables, `npm start` and the vitest config derive provider lists and var maps here.
import { CAPABILITIES, PROVIDER_IDS } from "../worker/providers/table.ts";

export { CAPABILITIES, PROVIDER_IDS };

/** The env var names of a provider's key and base URL (as worker/providers/kit/capability.ts envNames). */
const envNames = (id) => ({ apiKey: `${id.toUpperCase()}_API_KEY`, baseUrl: `${id.toUpperCase()}_BASE_URL` });

/** Vars that point every provider at a sandbox at `origin`, with the keys the sandbox accepts. */
export function sandboxVars(origin) {
  const vars = {};
  for (const id of PROVIDER_IDS) {
    const { dev } = CAPABILITIES[id];
    const names = envNames(id);
    vars[names.apiKey] = dev.sandboxKey;
    vars[names.baseUrl] = `${origin}${dev.sandboxPath}`;
    Object.assign(vars, dev.vars ?? {});
  }
  return vars;
}
