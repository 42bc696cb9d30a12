// Small pieces every part of the console uses: element lookup and creation, the live region screen readers
// hear, a problem as one line of text, and a copy-to-clipboard button.
import { MediagateError } from "../client/src/index";

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** Said by screen readers (the page's aria-live region). */
export const live = (text: string) => {
  $("live").textContent = text;
};

/** A failure as one line: a problem's code, title and detail; the SDK's own code and message otherwise. */
export const describe = (error: unknown) =>
  error instanceof MediagateError
    ? error.problem
      ? `${error.problem.code}: ${error.problem.title}${error.problem.detail ? ` — ${error.problem.detail}` : ""}`
      : `${error.code}: ${error.message}`
    : String(error);

export const el = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, unknown> = {},
  ...kids: (Node | string)[]
): HTMLElementTagNameMap[K] => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...kids);
  return node;
};

/** `label: <code>value</code> [Copy]`, the button named for what it copies (`what`, e.g. "id of photo.png"). */
export function copyable(label: string, value: string, what: string, codeClass = ""): HTMLElement {
  const copy = el("button", { type: "button", className: "secondary small", textContent: "Copy" });
  copy.setAttribute("aria-label", `Copy ${what}`);
  copy.onclick = async () => {
    await navigator.clipboard.writeText(value).catch(() => {});
    // The accessible name keeps the visible text (WCAG 2.5.3): "Copied" shows, "Copied id of …" is read.
    copy.textContent = "Copied";
    copy.setAttribute("aria-label", `Copied ${what}`);
    live(`${what} copied`);
  };
  return el(
    "p",
    { className: "copyable" },
    `${label}: `,
    el("code", { className: codeClass, textContent: value }),
    " ",
    copy,
  );
}
