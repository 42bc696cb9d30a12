// `mediagate ensure FILE --provider P` and `mediagate copy ID --provider P` (docs/reuse.md): a file at a
// provider with the least transfer, and a kept original copied to another provider with nothing sent.
// Whatever came from the server is printed through inert()/inertJson().
import { UsageError, type Values, whole } from "./cli-args";
import type { Mediagate, ProviderId, ProviderOptions } from "./node";
import { inert, inertJson } from "./terminal";

export async function reuseCommand(
  mg: Mediagate,
  command: "ensure" | "copy",
  args: string[],
  values: Values,
  target: { provider: ProviderId; fields: ProviderOptions },
): Promise<number> {
  const print = (value: unknown, text: string) =>
    process.stdout.write(`${values.json ? inertJson(value) : text}\n`);
  const [arg, ...extra] = args;
  if (!arg || extra.length)
    throw new UsageError(`${command} takes one ${command === "copy" ? "ID" : "FILE"}.`);
  if (command === "copy") {
    const r = await mg.copy(arg, { provider: target.provider, ...target.fields });
    print(
      r,
      `${inert(r.provider)} ${inert(r.status)} reference=${inert(r.reference)} id=${inert(r.id)} (from the kept original)`,
    );
    return 0;
  }
  const keep = whole("keep-days", values["keep-days"]);
  const ensured = await mg.ensure(arg, {
    provider: target.provider,
    ...target.fields,
    ...(keep === undefined ? {} : { keep_days: keep }),
  });
  print(
    ensured,
    `${inert(arg)}: ${ensured.via} reference=${inert(ensured.reference)} id=${inert(ensured.id)}`,
  );
  return 0;
}
