// One upload in the console: its list item (name, size, progress, status, pause/resume for tus, cancel),
// then its result (reference, with copy) or its failure (the problem's code, title and detail, styled as one).

import { humanSize } from "../client/src/format";
import {
  type Mediagate,
  MediagateError,
  type Provider,
  type UploadTicket,
  uploadWithTicket,
} from "../client/src/index";
import { copyable, describe, el, live } from "./dom";

export interface Target {
  mg: Mediagate | undefined;
  ticket: UploadTicket | undefined;
  provider: Provider["id"];
  fields: Record<string, string>;
  /** Called after an upload succeeded (the registry has a new record). */
  uploaded: () => void;
}

export function startUpload(file: File, target: Target): HTMLLIElement {
  const { mg, ticket, provider, fields } = target;
  const bar = el("progress", { max: 100, value: 0 });
  const pct = el("span", { textContent: "0%" });
  const status = el("p", { className: "muted", textContent: "Starting…" });
  const pause = el("button", { type: "button", className: "secondary", textContent: "Pause", hidden: true });
  const cancel = el("button", { type: "button", className: "secondary", textContent: "Cancel" });
  const actions = el("div", { className: "actions" }, pause, cancel);
  const item = el(
    "li",
    {},
    el("strong", { textContent: file.name }),
    " ",
    el("span", {
      className: "muted",
      textContent: `${humanSize(file.size)} → ${ticket ? "ticket" : provider}`,
    }),
    bar,
    pct,
    status,
    actions,
  );
  bar.setAttribute("aria-label", `Upload of ${file.name}`);
  item.dataset.state = "uploading";

  let controller = new AbortController();
  let paused = false;
  let announced = -1;
  const finish = (state: "done" | "failed" | "cancelled") => {
    item.dataset.state = state;
    pause.hidden = true;
    cancel.hidden = true;
  };
  const run = async () => {
    controller = new AbortController();
    item.dataset.state = "uploading";
    const opts = {
      signal: controller.signal,
      onProgress: (p: { fraction: number; loaded: number; total: number; transport: string }) => {
        const percent = Math.floor(p.fraction * 100);
        bar.value = percent;
        pct.textContent = `${percent}%`;
        const how = p.transport === "tus" ? "resumable" : "one request";
        status.textContent =
          p.loaded >= p.total
            ? `${humanSize(p.total)} sent (${how}); the gateway is delivering it…`
            : `${humanSize(p.loaded)} of ${humanSize(p.total)} (${how})`;
        pause.hidden = p.transport !== "tus";
        const step = Math.floor(percent / 25);
        if (step !== announced) {
          announced = step;
          live(`${file.name}: ${percent}%`);
        }
      },
    };
    try {
      const out = ticket
        ? await uploadWithTicket(ticket, file, opts)
        : await (mg as Mediagate).upload(file, { provider, ...fields, ...opts });
      finish("done");
      const how = out.transport === "tus" ? "resumable (tus)" : "one request";
      status.textContent = out.result
        ? `Uploaded to ${out.result.provider}, ${how}${out.deduplicated ? ", already there" : ""}.`
        : `Uploaded, ${how}; your backend receives the result.`;
      const reference = out.result?.reference;
      if (reference) item.append(copyable("reference", reference, `reference of ${file.name}`, "reference"));
      live(`${file.name} uploaded`);
      target.uploaded();
    } catch (error) {
      if (error instanceof MediagateError && error.kind === "aborted") {
        if (paused) return;
        finish("cancelled");
        status.textContent = "Cancelled.";
        live(`${file.name} cancelled`);
      } else {
        finish("failed");
        status.className = "error";
        status.textContent = `Failed: ${describe(error)}`;
        pct.textContent = "Failed";
        live(`${file.name} failed: ${describe(error)}`);
      }
    }
  };
  pause.onclick = () => {
    if (!paused) {
      paused = true;
      controller.abort();
      pause.textContent = "Resume";
      status.textContent = `Paused at ${pct.textContent}.`;
      live(`${file.name} paused`);
    } else {
      paused = false;
      pause.textContent = "Pause";
      live(`${file.name} resumed`);
      void run();
    }
  };
  cancel.onclick = () => {
    const wasPaused = paused;
    paused = false;
    controller.abort();
    if (wasPaused) {
      finish("cancelled");
      status.textContent = "Cancelled.";
    }
  };
  void run();
  return item;
}
