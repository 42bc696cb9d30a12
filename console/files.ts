// The file registry in the console (GET /v1/files): a page at a time (next_cursor, "Load more"), filtered by
// provider, each record with its id and reference (with copy) and a delete button.

import { humanSize } from "../client/src/format";
import type { FileRecord, Mediagate, Provider } from "../client/src/index";
import { MediagateError } from "../client/src/index";
import { $, copyable, describe, el, live } from "./dom";

const PAGE = 20;

export function fileRegistry(getClient: () => Mediagate | undefined) {
  let cursor: string | null = null;

  function item(f: FileRecord): HTMLLIElement {
    const mg = getClient();
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
      void load(false);
    };
    return el(
      "li",
      { className: "file" },
      el("strong", { textContent: f.file.name }),
      ` · ${f.provider} · ${f.status} · ${humanSize(f.file.size)}`,
      copyable("id", f.id, `id of ${f.file.name}`),
      ...(f.reference ? [copyable("reference", f.reference, `reference of ${f.file.name}`)] : []),
      el("div", { className: "actions" }, del),
    );
  }

  /** The first page (`more` false) or the next one, appended. */
  async function load(more: boolean) {
    const mg = getClient();
    if (!mg) return;
    const list = $("file-list");
    const note = $("registry-note");
    const provider = $<HTMLSelectElement>("registry-provider").value as Provider["id"] | "";
    try {
      const page = await mg.files.list({
        limit: PAGE,
        ...(provider ? { provider } : {}),
        ...(more && cursor ? { cursor } : {}),
      });
      cursor = page.next_cursor;
      const items = page.data.map(item);
      if (more) list.append(...items);
      else list.replaceChildren(...items);
      note.textContent = list.childElementCount
        ? ""
        : provider
          ? `No files for ${provider}.`
          : "No files yet.";
      $("more").hidden = !cursor;
    } catch (error) {
      if (!more) list.replaceChildren();
      $("more").hidden = true;
      note.textContent =
        error instanceof MediagateError && error.status === 404
          ? "This gateway has no file registry (GET /v1/files)."
          : describe(error);
    }
  }

  return {
    /** Fills the provider filter and wires the buttons. */
    setup(providers: Provider[]) {
      const filter = $<HTMLSelectElement>("registry-provider");
      filter.replaceChildren(
        el("option", { value: "", textContent: "All providers" }),
        ...providers.map((p) => el("option", { value: p.id, textContent: p.name })),
      );
      filter.onchange = () => void load(false);
      $("refresh").onclick = () => void load(false);
      $("more").onclick = () => void load(true);
    },
    refresh: () => load(false),
  };
}
