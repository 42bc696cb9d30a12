// Text from the server, made safe to write to a terminal. A gateway or a provider behind it is not trusted
// with the user's terminal: a reference, URL, file name or problem detail carrying ESC (CSI, OSC: clear the
// screen, retitle the window, a hidden OSC 8 link, on some terminals write to the clipboard), an 8-bit C1
// control (U+009B is CSI on terminals that honour C1), a carriage return or newline (overprinting a line,
// faking one) or a bidi override (reordering what is shown) must not act on it. Each such character is
// spelled out instead (`\x1b`, `\u202e`), so what is odd stays visible and nothing acts: an escape
// sequence whose ESC is spelled out is plain text.
// https://invisible-island.net/xterm/ctlseqs/ctlseqs.html (C0, C1, OSC), https://unicode.org/reports/tr9/

/** C0 (all of it: TAB, CR and LF too), DEL, C1, and the bidi embedding, override and isolate controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** CONTROLS less C0, which JSON.stringify escapes itself (its raw newlines are the indentation's). */
const RAW_IN_JSON = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const spelled = (c: string) => {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`;
};

/** `value` as text with every control character spelled out; one line, inert on any terminal. */
export function inert(value: unknown): string {
  return String(value).replace(CONTROLS, spelled);
}

/**
 * `value` as indented JSON with no raw control character: JSON.stringify escapes C0 but leaves DEL, C1 and
 * bidi controls raw; written as \u escapes they are the same JSON value (RFC 8259 §7), and inert.
 */
export function inertJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    RAW_IN_JSON,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
