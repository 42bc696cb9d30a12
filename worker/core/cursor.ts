// The cursor of every list route (files, audit, events): the last row's seq, opaque to callers. Newer inserts
// have larger seq, so pages never shift.
import { GatewayError } from "./errors";

export const encodeCursor = (seq: number) => btoa(`s:${seq}`).replace(/=+$/, "");

export function decodeCursor(cursor: string): number {
  let text = "";
  try {
    text = atob(cursor);
  } catch {}
  const match = /^s:(\d{1,15})$/.exec(text);
  if (!match?.[1]) throw new GatewayError("invalid_field", '"cursor" is not a cursor this API returned.');
  return Number(match[1]);
}
