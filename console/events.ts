// The Events page (GET /v1/events, GET /v1/events/{id}, POST …/resend; GET/POST/DELETE /v1/webhooks): the
// project's webhook endpoints (the new one's secret shown once), its events a page at a time with each
// one's deliveries, its attempts on demand, and resend. "Use the sandbox receiver" fills in the local sandbox's
// receiver (npm start) and, once registered, links to what it received, so a webhook is seen with no tunnel.
import type { EventList, GatewayEvent, Mediagate, Webhook } from "../client/src/index";
import { $, copyable, describe, el, live } from "./dom";

const PAGE = 20;
/** The sandbox's receiver beside a local gateway (npm start's default: the gateway's port + 1; editable). */
const sandboxReceiver = () =>
  `${location.protocol}//${location.hostname}:${Number(location.port || 80) + 1}/__sandbox/webhooks/console`;

const when = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : "—");

export function eventsPage(getClient: () => Mediagate | undefined) {
  let cursor: string | null = null;

  function endpoint(w: Webhook): HTMLLIElement {
    const del = el("button", { type: "button", className: "secondary", textContent: "Delete" });
    del.setAttribute("aria-label", `Delete the endpoint ${w.url}`);
    del.onclick = async () => {
      await getClient()
        ?.webhooks.delete(w.id)
        .then(() => live(`Endpoint ${w.url} deleted`))
        .catch((error: unknown) => live(`Delete failed: ${describe(error)}`));
      void refresh();
    };
    return el(
      "li",
      { className: "file" },
      el("code", { textContent: w.url }),
      ` · ${w.events.join(", ")} · id ${w.id}`,
      el("div", { className: "actions" }, del),
    );
  }

  async function create(url: string) {
    const out = $("webhook-new");
    try {
      const made = await getClient()?.webhooks.create({ url });
      if (!made) return;
      out.replaceChildren(
        copyable("Secret (shown once: keep it for verifyWebhook)", made.secret, "the endpoint's secret"),
        ...(url.includes("/__sandbox/webhooks/")
          ? [
              el(
                "p",
                {},
                el("a", {
                  href: url,
                  target: "_blank",
                  rel: "noopener",
                  textContent: "What the receiver got",
                }),
              ),
            ]
          : []),
      );
      out.hidden = false;
      live("Endpoint registered");
    } catch (error) {
      out.replaceChildren(el("p", { className: "error", textContent: describe(error) }));
      out.hidden = false;
    }
    void refresh();
  }

  async function attempts(e: GatewayEvent, box: HTMLElement) {
    try {
      const detail = await getClient()?.events.get(e.id);
      const rows = (detail?.attempts ?? []).map((a) =>
        el(
          "li",
          {},
          `${when(a.at)} · ${a.status} · ${a.status_code ?? "no answer"} · ${a.latency_ms} ms${a.error ? ` · ${a.error}` : ""}`,
        ),
      );
      box.replaceChildren(
        rows.length
          ? el("ol", {}, ...rows)
          : el("p", { className: "muted", textContent: "No attempts yet." }),
      );
    } catch (error) {
      box.replaceChildren(el("p", { className: "error", textContent: describe(error) }));
    }
  }

  function item(e: GatewayEvent): HTMLLIElement {
    const box = el("div", {});
    const show = el("button", { type: "button", className: "secondary", textContent: "Attempts" });
    show.setAttribute("aria-label", `Attempts of ${e.type} ${e.id}`);
    show.onclick = () => attempts(e, box);
    const resend = el("button", { type: "button", className: "secondary", textContent: "Resend" });
    resend.setAttribute("aria-label", `Resend ${e.type} ${e.id}`);
    resend.onclick = async () => {
      await getClient()
        ?.events.resend(e.id)
        .then(() => live(`${e.id} queued again`))
        .catch((error: unknown) => live(`Resend failed: ${describe(error)}`));
    };
    const deliveries = e.deliveries.length
      ? e.deliveries.map((d) => `${d.last_status} after ${d.attempts} attempt(s)`).join("; ")
      : "no endpoint takes it";
    return el(
      "li",
      { className: "file" },
      el("strong", { textContent: e.type }),
      ` · ${when(e.created_at)} · ${deliveries}`,
      copyable("id", e.id, `id of event ${e.id}`),
      el("p", {
        className: "muted",
        textContent: `upload ${e.upload_id ?? "—"} · request ${e.request_id ?? "—"}`,
      }),
      el("div", { className: "actions" }, show, resend),
      box,
    );
  }

  async function load(more: boolean) {
    const mg = getClient();
    if (!mg) return;
    const list = $("event-list");
    try {
      const page: EventList = await mg.events.list({ limit: PAGE, ...(more && cursor ? { cursor } : {}) });
      cursor = page.next_cursor;
      if (more) list.append(...page.data.map(item));
      else list.replaceChildren(...page.data.map(item));
      $("events-note").textContent = list.childElementCount ? "" : "No events yet.";
      $("events-more").hidden = cursor === null;
    } catch (error) {
      $("events-note").textContent = describe(error);
    }
  }

  async function refresh() {
    const mg = getClient();
    if (!mg) return;
    try {
      $("webhook-list").replaceChildren(...(await mg.webhooks.list()).map(endpoint));
    } catch (error) {
      $("webhook-list").replaceChildren(el("li", { className: "muted", textContent: describe(error) }));
    }
    await load(false);
  }

  function setup() {
    $<HTMLFormElement>("webhook-create").onsubmit = (event) => {
      event.preventDefault();
      void create($<HTMLInputElement>("webhook-url").value.trim());
    };
    $("webhook-sandbox").onclick = () => {
      $<HTMLInputElement>("webhook-url").value = sandboxReceiver();
      $("webhook-url").focus();
    };
    $("events-more").onclick = () => void load(true);
    $("events-refresh").onclick = () => void refresh();
  }

  return { setup, refresh };
}
