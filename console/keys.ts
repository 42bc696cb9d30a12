// The keys page (GET/POST /v1/keys, DELETE /v1/keys/{id}): the project's keys (live ones, or all), the form
// that creates one, the new key shown once with a copy button and a warning that it will not be shown again
// (it is dropped from the page when the user says it is copied, or on reload), and revoke with a
// confirmation in place.
import { keyState, quotaText } from "../client/src/format";
import type { Action, CreateKey, Key, Mediagate, Provider, Quotas } from "../client/src/index";
import { MediagateError } from "../client/src/index";
import { $, copyable, describe, el, live } from "./dom";

const ACTIONS: { value: Action; what: string }[] = [
  { value: "upload", what: "uploads: direct, resumable, import" },
  { value: "tickets", what: "signed upload URLs" },
  { value: "files:read", what: "list and read the registry" },
  { value: "files:delete", what: "delete files" },
  { value: "usage:read", what: "read usage" },
  { value: "keys:admin", what: "manage keys, read the audit log" },
];
const QUOTAS = ["bytes_per_day", "uploads_per_minute", "max_file_bytes", "concurrent_uploads"] as const;

const when = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : "never");

function checkbox(name: string, value: string, text: string, note = ""): HTMLLabelElement {
  return el(
    "label",
    {},
    el("input", { type: "checkbox", name, value }),
    text,
    ...(note ? [el("span", { className: "muted", textContent: ` — ${note}` })] : []),
  );
}

const ticked = (box: string) =>
  [...$(box).querySelectorAll<HTMLInputElement>("input:checked")].map((i) => i.value);

/** The form as POST /v1/keys's body (lists and quotas only when given). */
function formBody(): CreateKey {
  const providers = ticked("key-providers") as NonNullable<CreateKey["providers"]>;
  const actions = ticked("key-actions") as Action[];
  const quotas: Quotas = {};
  for (const q of QUOTAS) {
    const value = $<HTMLInputElement>(`q-${q}`).value;
    if (value) quotas[q] = Number(value);
  }
  const expires = $<HTMLInputElement>("key-expires").value;
  return {
    name: $<HTMLInputElement>("key-name").value.trim(),
    ...(providers.length ? { providers } : {}),
    ...(actions.length ? { actions } : {}),
    ...(Object.keys(quotas).length ? { quotas } : {}),
    // datetime-local is the user's local time, without a zone: the gateway takes an instant.
    ...(expires ? { expires_at: new Date(expires).toISOString() } : {}),
  };
}

/** `changed` hears every fresh list (the usage view offers those keys). */
export function keysPage(getClient: () => Mediagate | undefined, changed: (keys: Key[]) => void) {
  let keys: Key[] = [];

  function confirmRevoke(k: Key, actions: HTMLElement, revoke: HTMLButtonElement) {
    const yes = el("button", { type: "button", className: "danger", textContent: "Yes, revoke" });
    const no = el("button", { type: "button", className: "secondary", textContent: "Cancel" });
    const ask = el("span", {
      className: "confirm",
      textContent: `Revoke "${k.name}"? Apps using it are refused from their next request.`,
    });
    no.onclick = () => {
      actions.replaceChildren(revoke);
      revoke.focus();
    };
    yes.onclick = async () => {
      yes.disabled = true;
      try {
        await getClient()?.keys.revoke(k.id);
        live(`Key ${k.name} revoked`);
      } catch (error) {
        live(`Revoke failed: ${describe(error)}`);
      }
      await load();
      $("key-list").focus();
    };
    actions.replaceChildren(ask, yes, no);
    yes.focus();
  }

  function item(k: Key): HTMLLIElement {
    const state = keyState(k);
    const actions = el("div", { className: "actions" });
    if (state === "live") {
      const revoke = el("button", { type: "button", className: "secondary", textContent: "Revoke" });
      revoke.setAttribute("aria-label", `Revoke ${k.name} (${k.prefix})`);
      revoke.onclick = () => confirmRevoke(k, actions, revoke);
      actions.append(revoke);
    }
    const li = el(
      "li",
      { className: "key" },
      el("strong", { textContent: k.name }),
      " ",
      el("code", { textContent: `${k.prefix}…` }),
      ` · ${state}`,
      el("p", {
        className: "muted",
        textContent: `Providers: ${k.providers?.join(", ") ?? "all"} · Actions: ${k.actions.join(", ")} · Quotas: ${quotaText(k.quotas ?? {})}`,
      }),
      el("p", {
        className: "muted",
        textContent: `Created ${when(k.created_at)} · Expires ${when(k.expires_at)}${k.revoked_at ? ` · Revoked ${when(k.revoked_at)}` : ""} · id ${k.id}`,
      }),
      actions,
    );
    li.dataset.id = k.id;
    li.dataset.state = state;
    return li;
  }

  function render() {
    const all = $<HTMLInputElement>("keys-all").checked;
    const shown = all ? keys : keys.filter((k) => keyState(k) === "live");
    $("key-list").replaceChildren(...shown.map(item));
    if (!shown.length)
      $("keys-note").textContent = keys.length ? "No live keys." : "No keys yet: create one below.";
    else $("keys-note").textContent = "";
  }

  async function load() {
    const mg = getClient();
    if (!mg) return;
    try {
      keys = await mg.keys.list();
      render();
      changed(keys);
    } catch (error) {
      // A key without keys:admin sees why, and no form it could not use.
      const denied = error instanceof MediagateError && error.code === "scope_denied";
      $("key-create").hidden = denied;
      $("key-list").replaceChildren();
      $("keys-note").textContent = denied
        ? "This key may not manage keys (it lacks keys:admin)."
        : describe(error);
    }
  }

  function showNew(created: Key & { key: string }) {
    const box = $("key-new");
    $("key-new-body").replaceChildren(
      el("p", {
        textContent: `"${created.name}": prefix ${created.prefix}, id ${created.id}.`,
      }),
      copyable("key", created.key, `new key ${created.name}`, "secret"),
    );
    box.hidden = false;
    box.focus();
    live(`Key ${created.name} created. Copy it now: it will not be shown again.`);
  }

  async function create(event: Event) {
    event.preventDefault();
    const mg = getClient();
    if (!mg) return;
    const error = $("key-create-error");
    error.textContent = "";
    try {
      const created = await mg.keys.create(formBody());
      ($<HTMLFormElement>("key-create") as HTMLFormElement).reset();
      showNew(created);
      await load();
    } catch (e) {
      error.textContent = describe(e);
    }
  }

  return {
    /** Fills the form's provider choices and wires the page. */
    setup(providers: Provider[]) {
      $("key-providers").replaceChildren(
        $("key-providers").querySelector("legend") as HTMLElement,
        ...providers.map((p) => checkbox("providers", p.id, p.name)),
      );
      $("key-actions").replaceChildren(
        $("key-actions").querySelector("legend") as HTMLElement,
        ...ACTIONS.map((a) => checkbox("actions", a.value, a.value, a.what)),
      );
      $("key-create").onsubmit = (e) => void create(e);
      $("keys-all").onchange = render;
      $("key-new-done").onclick = () => {
        // The secret leaves the page: nothing but the clipboard (and the user) has it now.
        $("key-new-body").replaceChildren();
        $("key-new").hidden = true;
        $("key-name").focus();
      };
    },
    refresh: load,
  };
}
