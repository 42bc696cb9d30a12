// What a refusal of an option tells the caller to do, on the surface it used (a form, a query, a JSON body,
// tus metadata): advice names that place, so the fix is one step. The problem also carries `field`, for an
// SDK or CLI to name its own way to set it.
import { GatewayError } from "../../core/errors";
import { type Capability, FIELD_NAMES, type FieldSpec } from "../../providers/kit/capability";

/** How the caller sent its options. */
export type Surface = "multipart" | "raw" | "json" | "tus";

const PLACE: Record<Surface, (name: string) => string> = {
  multipart: (name) => `a "${name}" form field before the file part`,
  raw: (name) => `?${name}= in the query`,
  json: (name) => `"${name}" in the JSON body`,
  tus: (name) => `"${name}" in Upload-Metadata`,
};

/** A field the provider does not take: says which it does (none, for most). */
export function noSuchField(cap: Capability, name: string): GatewayError {
  const takes = cap.fields.map((f) => f.name).join(", ") || "none";
  return new GatewayError("invalid_field", `${cap.name} takes no "${name}" field (it takes: ${takes}).`, {
    extras: { field: name },
  });
}

/** Any option member of a JSON body that the provider does not take (checked before the body's schema). */
export function refuseOtherFields(cap: Capability, json: Readonly<Record<string, unknown>>): void {
  for (const name of FIELD_NAMES)
    if (Object.hasOwn(json, name) && !cap.fields.some((f) => f.name === name)) throw noSuchField(cap, name);
}

/** A required field left out: its values, and where this caller puts it. */
export function missingField(cap: Capability, spec: FieldSpec, surface: Surface): GatewayError {
  const values = spec.values ? ` (one of ${spec.values.map((v) => v.value).join(", ")})` : "";
  return new GatewayError(
    "invalid_field",
    `${cap.name} needs "${spec.name}"${values}: send it as ${PLACE[surface](spec.name)}.`,
    { extras: { field: spec.name } },
  );
}
