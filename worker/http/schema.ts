// Request bodies validated against specs/gateway.yaml's own schemas (served at /openapi.json), with
// @cfworker/json-schema: an interpreter (no eval or new Function, which Workers forbid) for JSON Schema
// 2020-12, OpenAPI 3.1's dialect. What the schema states is therefore what is enforced, and a failure is a
// 400 invalid_field naming the field.
import { type OutputUnit, Validator } from "@cfworker/json-schema";
import type { components } from "../../generated/gateway";
// The spec's schemas without their prose (npm run generate): what validation needs, and a fraction of the bundle.
import spec from "../../generated/gateway.schemas.json";
import { GatewayError } from "../core/errors";

type SchemaName = keyof components["schemas"];

/** Where the spec's components live for $ref resolution; never fetched. */
const BASE = "urn:mediagate:gateway.openapi.json";
const validators = new Map<SchemaName, Validator>();

function validator(name: SchemaName): Validator {
  let v = validators.get(name);
  if (!v) {
    v = new Validator({ $ref: `${BASE}#/components/schemas/${name}` }, "2020-12");
    // A copy: the validator annotates what it is given.
    v.addSchema({ components: structuredClone(spec.components) }, BASE);
    validators.set(name, v);
  }
  return v;
}

/** Keywords that only report that something inside them failed. */
const ENCLOSING = new Set(["$ref", "properties", "additionalProperties", "items", "oneOf", "anyOf", "allOf"]);

/** The failure to report: the innermost keyword that failed, a type mismatch last (oneOf tries each type). */
function innermost(errors: readonly OutputUnit[]): OutputUnit | undefined {
  const leaves = errors.filter((e) => !ENCLOSING.has(e.keyword));
  const depth = Math.max(...leaves.map((e) => e.instanceLocation.split("/").length));
  const deepest = leaves.filter((e) => e.instanceLocation.split("/").length === depth);
  return deepest.find((e) => e.keyword !== "type") ?? deepest[0];
}

function describe(errors: readonly OutputUnit[]): string {
  const unit = innermost(errors);
  if (!unit) return "The body does not match its schema.";
  // "#/content_type/2" is about content_type.
  const field = decodeURIComponent(unit.instanceLocation.split("/")[1] ?? "");
  if (unit.keyword === "required") return `${/"[^"]*"/.exec(unit.error)?.[0] ?? "A field"} is required.`;
  if (unit.keyword === "false") return `Unknown field "${field}".`;
  const error = unit.error.replace(/^Instance /, "Value ");
  return field === "" ? error : `"${field}": ${error}`;
}

/** Throws 400 invalid_field unless `value` matches components/schemas/`name`. */
export function validateBody<N extends SchemaName>(name: N, value: unknown): components["schemas"][N] {
  const result = validator(name).validate(value);
  if (!result.valid) throw new GatewayError("invalid_field", describe(result.errors));
  return value as components["schemas"][N];
}
