// The console at GET /: the SDK in a page (bundled into public/app.js by client/build.mjs). The key lives in
// this tab's sessionStorage only, until "Change key" forgets it; a ticket works instead of a key (uploads
// only). One upload: transfer.ts; the registry: files.ts; the project's keys: keys.ts; its usage: usage.ts.
import { createMediagate, type Mediagate, type Provider, type UploadTicket } from "../client/src/index";
import { $, describe, el } from "./dom";
import { eventsPage } from "./events";
import { fileRegistry } from "./files";
import { keysPage } from "./keys";
import { startUpload } from "./transfer";
import { usageView } from "./usage";

const KEY = "mediagate.key";
let mg: Mediagate | undefined;
let ticket: UploadTicket | undefined;
let providers: Provider[] = [];
const registry = fileRegistry(() => mg);
const usage = usageView(() => mg);
const events = eventsPage(() => mg);
const keys = keysPage(
  () => mg,
  (list) => usage.setKeys(list),
);

/** Signed in (a key or a ticket): the connect form gives way, and "Change key" can take it back. */
function signedIn(who: string) {
  $("who").textContent = who;
  $("connect").hidden = true;
  $("sign-out").hidden = false;
}

async function connect(key: string) {
  const client = createMediagate({ baseUrl: location.origin, apiKey: key });
  providers = await client.providers();
  mg = client;
  sessionStorage.setItem(KEY, key);
  signedIn("Connected with a gateway key");
  for (const id of ["upload", "import", "registry", "keys", "events", "usage"]) $(id).hidden = false;
  renderProviders();
  registry.setup(providers);
  keys.setup(providers);
  usage.setup(providers);
  events.setup();
  void registry.refresh();
  void keys.refresh();
  void usage.refresh();
  void events.refresh();
  $<HTMLSelectElement>("provider").focus();
}

function useTicket(text: string) {
  const parsed = JSON.parse(text) as UploadTicket;
  if (!parsed.upload_url) throw new Error("That is not a ticket: it has no upload_url.");
  ticket = parsed;
  signedIn(`Using ticket ${parsed.id}`);
  $("upload").hidden = false;
  $("options").hidden = true;
  $("files").focus();
}

/** Forgets the key (or ticket) and starts over; uploads in flight stop (a resumable one resumes later). */
function signOut() {
  sessionStorage.removeItem(KEY);
  location.reload();
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
            el("option", {
              value: v.value,
              textContent: v.extensions ? `${v.value} (${v.extensions.join(", ")})` : v.value,
            }),
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

function upload(file: File) {
  const item = startUpload(file, {
    mg,
    ticket,
    provider: $<HTMLSelectElement>("provider").value as Provider["id"],
    fields: fieldValues(),
    uploaded: () => {
      void registry.refresh();
      void usage.refresh();
    },
  });
  $("transfers").prepend(item);
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
  $("sign-out").addEventListener("click", signOut);
  const input = $<HTMLInputElement>("files");
  input.addEventListener("change", () => {
    for (const f of input.files ?? []) upload(f);
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
    for (const f of e.dataTransfer?.files ?? []) upload(f);
  });
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
      void registry.refresh();
    } catch (error) {
      out.className = "error";
      out.textContent = describe(error);
    }
  });
  const saved = sessionStorage.getItem(KEY);
  if (saved) connect(saved).catch(() => sessionStorage.removeItem(KEY));
}

wire();
