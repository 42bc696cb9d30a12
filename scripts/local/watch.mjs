// Live reload for `npm start`: a change under a Worker's sources bundles it again and swaps the code in place
// (Miniflare's setOptions keeps the port and the persisted state; requests in flight are cut, as on a
// wrangler dev reload). Recursive fs.watch: https://nodejs.org/docs/latest-v22.x/api/fs.html#fswatchfilename-options-listener
import { watch } from "node:fs";

const SETTLE_MS = 300; // an editor's save is several events; one reload for all of them

/** Calls `reload` after changes under `paths` settle; one reload at a time, and one more if changed meanwhile. */
export function watchSources(paths, reload, label) {
  let timer = null;
  let running = null;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        const t0 = performance.now();
        try {
          await reload();
          console.log(`${label}: reloaded (${Math.round(performance.now() - t0)} ms)`);
        } catch (error) {
          // A broken edit keeps the previous code running; the next save tries again.
          console.error(
            `${label}: reload failed, still serving the previous build\n${error.message ?? error}`,
          );
        }
      } while (again);
    })();
    await running;
    running = null;
  };
  const watchers = paths.map((path) =>
    watch(path, { recursive: true }, () => {
      clearTimeout(timer);
      timer = setTimeout(run, SETTLE_MS);
    }),
  );
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
