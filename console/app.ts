// The console at GET /: the SDK in a page (bundled into public/app.js by client/build.mjs). The key lives in
// this tab's sessionStorage only; a ticket works instead of a key (uploads only).
import {
  createMediagate,
  type Mediagate,
  MediagateError,
  type Provider,
  type UploadTicket,
  uploadWithTicket,
} from "../client/src/index";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const KEY = "mediagate.key";
let mg: Mediagate | undefined;
let ticket: UploadTicket | undefined;
let providers: Provider[] = [];

const live = (text: string) => {
  $("live").textContent = text;
};
const describe = (error: unknown) =>
  error instanceof MediagateError
    ? error.problem
      ? `${error.problem.code}: ${error.problem.title}${error.problem.detail ? ` — ${error.problem.detail}` : ""}`
      : `${error.code}: ${error.message}`
    : String(error);
const el = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, unknown> = {},
  ...kids: (Node | string)[]
): HTMLElementTagNameMap[K] => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...kids);
  return node;
};
const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

async function connect(key: string) {
  const client = createMediagate({ baseUrl: location.origin, apiKey: key });
  providers = await client.providers();
  mg = client;
  sessionStorage.setItem(KEY, key);
  $("who").textContent = "Connected with a gateway key";
  $("connect").hidden = true;
  for (const id of ["upload", "import", "registry"]) $(id).hidden = false;
  renderProviders();
  void refreshFiles();
  $<HTMLSelectElement>("provider").focus();
}

function useTicket(text: string) {
  const parsed = JSON.parse(text) as UploadTicket;
  if (!parsed.upload_url) throw new Error("That is not a ticket: it has no upload_url.");
  ticket = parsed;
  $("who").textContent = `Using ticket ${parsed.id}`;
  $("connect").hidden = true;
  $("upload").hidden = false;
  $("options").hidden = true;
  $<HTMLLabelElement>("drop").querySelector("label")?.focus();
}

function renderProviders() {
  const select = $<HTMLSelectElement>("provider");
  select.replaceChildren(
    ...providers.map((p) =>
      el("option", { value: p.id, textContent: `${p.name}${p.configured ? "" : " (no key)"}` }),
    ),
  );
  select.onchange = renderFields;
  renderFields();
}

function renderFields() {
  const provider = providers.find((p) => p.id === $<HTMLSelectElement>("provider").value);
  const box = $("fields");
  box.replaceChildren();
  for (const f of provider?.fields ?? []) {
    const id = `field-${f.name}`;
    const label = el("label", { htmlFor: id, textContent: `${f.name}${f.required ? " (required)" : ""}` });
    const input = f.values
      ? el(
          "select",
          { id, name: f.name, required: f.required },
          ...(f.required ? [] : [el("option", { value: "", textContent: "—" })]),
          ...f.values.map((v) =>
            el("option", { value: v.value, textContent: `${v.value} (${v.extensions.join(", ")})` }),
          ),
        )
      : el("input", { id, name: f.name, required: f.required, placeholder: f.default ?? "" });
    box.append(label, input);
  }
}

function fieldValues(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const input of $("fields").querySelectorAll<HTMLInputElement | HTMLSelectElement>("input, select"))
    if (input.value) out[input.name] = input.value;
  return out;
}

function startUpload(file: File) {
  const provider = $<HTMLSelectElement>("provider").value as Provider["id"];
  const fields = fieldValues();
  const bar = el("progress", { max: 100, value: 0 });
  const pct = el("span", { textContent: "0%" });
  const status = el("p", { className: "muted", textContent: "Starting…" });
  const pause = el("button", { type: "button", className: "secondary", textContent: "Pause", hidden: true });
  const cancel = el("button", { type: "button", className: "secondary", textContent: "Cancel" });
  const actions = el("div", { className: "actions" }, pause, cancel);
  const title = el("strong", { textContent: file.name });
  const item = el(
    "li",
    {},
    title,
    " ",
    el("span", { className: "muted", textContent: `${mib(file.size)} → ${ticket ? "ticket" : provider}` }),
    bar,
    pct,
    status,
    actions,
  );
  bar.setAttribute("aria-label", `Upload of ${file.name}`);
  $("transfers").prepend(item);

  let controller = new AbortController();
  let paused = false;
  let announced = -1;
  const run = async () => {
    controller = new AbortController();
    const opts = {
      signal: controller.signal,
      onProgress: (p: { fraction: number; loaded: number; total: number; transport: string }) => {
        const percent = Math.floor(p.fraction * 100);
        bar.value = percent;
        pct.textContent = `${percent}%`;
        status.textContent = `${mib(p.loaded)} of ${mib(p.total)} (${p.transport === "tus" ? "resumable" : "one request"})`;
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
      pause.hidden = true;
      cancel.hidden = true;
      item.dataset.state = "done";
      const reference = out.result?.reference;
      const how = out.transport === "tus" ? "resumable (tus)" : "one request";
      status.textContent = out.result
        ? `Uploaded to ${out.result.provider}, ${how}${out.deduplicated ? ", already there" : ""}.`
        : `Uploaded, ${how}; your backend receives the result.`;
      if (reference) {
        const code = el("code", { className: "reference", textContent: reference });
        const copy = el("button", { type: "button", className: "secondary", textContent: "Copy reference" });
        copy.onclick = async () => {
          await navigator.clipboard.writeText(reference).catch(() => {});
          copy.textContent = "Copied";
          live("Reference copied");
        };
        item.append(el("p", {}, "reference: ", code), el("div", { className: "actions" }, copy));
      }
      live(`${file.name} uploaded`);
      void refreshFiles();
    } catch (error) {
      if (error instanceof MediagateError && error.kind === "aborted") {
        if (paused) return;
        item.dataset.state = "cancelled";
        status.textContent = "Cancelled.";
        live(`${file.name} cancelled`);
      } else {
        item.dataset.state = "failed";
        status.className = "error";
        status.textContent = describe(error);
        live(`${file.name} failed: ${describe(error)}`);
      }
      pause.hidden = true;
      cancel.hidden = true;
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
    paused = false;
    controller.abort();
    if (pause.textContent === "Resume") {
      item.dataset.state = "cancelled";
      status.textContent = "Cancelled.";
      pause.hidden = true;
      cancel.hidden = true;
    }
  };
  void run();
}

async function refreshFiles() {
  if (!mg) return;
  const list = $("file-list");
  const note = $("registry-note");
  try {
    const files = await mg.files.list({ limit: 50 });
    note.textContent = files.data.length ? "" : "No files yet.";
    list.replaceChildren(
      ...files.data.map((f) => {
        const del = el("button", { type: "button", className: "secondary", textContent: "Delete" });
        del.setAttribute("aria-label", `Delete ${f.file.name} (${f.provider})`);
        del.disabled = f.status === "deleted";
        del.onclick = async () => {
          try {
            const out = await mg?.files.delete(f.id);
            live(`${f.file.name} deleted${out?.provider_deleted ? " at the provider" : ""}`);
          } catch (error) {
            live(`Delete failed: ${describe(error)}`);
          }
          void refreshFiles();
        };
        return el(
          "li",
          { className: "file" },
          el("strong", { textContent: f.file.name }),
          ` · ${f.provider} · ${f.status} · ${mib(f.file.size)}`,
          el("div", { className: "actions" }, del),
        );
      }),
    );
  } catch (error) {
    list.replaceChildren();
    note.textContent =
      error instanceof MediagateError && error.status === 404
        ? "This gateway has no file registry (GET /v1/files)."
        : describe(error);
  }
}

function wire() {
  $("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    $("connect-error").textContent = "";
    connect($<HTMLInputElement>("key").value.trim()).catch((error) => {
      $("connect-error").textContent = describe(error);
    });
  });
  $("ticket-form").addEventListener("submit", (e) => {
    e.preventDefault();
    try {
      useTicket($<HTMLTextAreaElement>("ticket").value);
    } catch (error) {
      $("connect-error").textContent = String((error as Error).message);
    }
  });
  const input = $<HTMLInputElement>("files");
  input.addEventListener("change", () => {
    for (const f of input.files ?? []) startUpload(f);
    input.value = "";
  });
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    for (const f of e.dataTransfer?.files ?? []) startUpload(f);
  });
  $("refresh").addEventListener("click", () => void refreshFiles());
  $("import-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const out = $("import-out");
    out.className = "";
    out.textContent = "Importing…";
    try {
      const r = await (mg as Mediagate).import($<HTMLInputElement>("import-url").value, {
        provider: $<HTMLSelectElement>("provider").value as Provider["id"],
        ...fieldValues(),
      });
      out.textContent = `Imported to ${r.provider}: ${r.reference}`;
      void refreshFiles();
    } catch (error) {
      out.className = "error";
      out.textContent = describe(error);
    }
  });
  const saved = sessionStorage.getItem(KEY);
  if (saved) connect(saved).catch(() => sessionStorage.removeItem(KEY));
}

wire();
