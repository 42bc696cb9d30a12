// `mediagate keys create|ls|revoke` and `mediagate usage`: running one gateway for many apps from a terminal.
// A new key's secret goes to stdout alone (so `mediagate keys create app > app.key` keeps just the key); what
// to know about it goes to stderr. Whatever came from the server is printed through inert()/inertJson().
import { count, one, time, UsageError, type Values } from "./cli-args";
import { quotaText } from "./format";
import { keyRows, usageRows } from "./listing";
import type { Action, Mediagate, ProviderId, Quotas } from "./node";
import { inert, inertJson } from "./terminal";

const say = (text: string) => process.stderr.write(`${text}\n`);

/** The quotas the flags ask for (only those given). */
function quotasOf(values: Values): Quotas | undefined {
  const asked: Quotas = {};
  const flags = [
    ["bytes-per-day", "bytes_per_day"],
    ["uploads-per-minute", "uploads_per_minute"],
    ["max-file-bytes", "max_file_bytes"],
    ["concurrent", "concurrent_uploads"],
  ] as const;
  for (const [flag, name] of flags) {
    const n = count(flag, values[flag]);
    if (n !== undefined) asked[name] = n;
  }
  return Object.keys(asked).length ? asked : undefined;
}

export async function keysCommand(mg: Mediagate, args: string[], values: Values): Promise<number> {
  const [sub = "ls", arg, ...extra] = args;
  const print = (value: unknown, text: string) =>
    process.stdout.write(`${values.json ? inertJson(value) : text}\n`);
  if (extra.length) throw new UsageError(`keys ${sub} takes one argument (quote a name with spaces).`);
  switch (sub) {
    case "create": {
      if (!arg) throw new UsageError("keys create needs a NAME.");
      const quotas = quotasOf(values);
      const expires = time("expires", values.expires);
      const created = await mg.keys.create({
        name: arg,
        ...(values.provider ? { providers: values.provider as ProviderId[] } : {}),
        ...(values.action ? { actions: values.action as Action[] } : {}),
        ...(quotas ? { quotas } : {}),
        ...(expires ? { expires_at: expires } : {}),
      });
      if (values.json) {
        print(created, "");
        return 0;
      }
      say(`Created key "${inert(created.name)}": id ${inert(created.id)}, prefix ${inert(created.prefix)}.`);
      say(
        `Scope: providers ${inert(created.providers?.join(", ") ?? "all")}; actions ${inert(created.actions.join(", "))}; quotas ${inert(quotaText(created.quotas ?? {}))}${created.expires_at ? `; expires ${inert(created.expires_at)}` : ""}.`,
      );
      say("The key (this is the only time it is shown: store it now; it can be revoked, never shown again):");
      process.stdout.write(`${inert(created.key)}\n`);
      return 0;
    }
    case "ls": {
      if (arg) throw new UsageError("keys ls takes no argument.");
      const keys = await mg.keys.list();
      print({ data: keys }, keys.length ? keyRows(keys).join("\n") : "(no keys: mediagate keys create NAME)");
      return 0;
    }
    case "revoke": {
      if (!arg) throw new UsageError("keys revoke needs a key's ID (mediagate keys ls).");
      const key = await mg.keys.revoke(arg);
      print(
        key,
        `Revoked ${inert(key.id)} (${inert(key.prefix)}, "${inert(key.name)}") at ${inert(key.revoked_at)}: it is refused from its next request on.`,
      );
      return 0;
    }
    default:
      throw new UsageError(`keys takes create NAME, ls or revoke ID (not "${sub}").`);
  }
}

export async function usageCommand(mg: Mediagate, args: string[], values: Values): Promise<number> {
  if (args.length) throw new UsageError("usage takes no argument (--from, --to, --provider, --key-id).");
  const provider = one("provider", values.provider);
  const rows = await mg.usage({
    ...(values.from ? { from: values.from } : {}),
    ...(values.to ? { to: values.to } : {}),
    ...(provider ? { provider: provider as ProviderId } : {}),
    ...(values["key-id"] ? { key: values["key-id"] } : {}),
  });
  process.stdout.write(
    `${values.json ? inertJson({ data: rows }) : rows.length ? usageRows(rows).join("\n") : "(no usage in these days)"}\n`,
  );
  return 0;
}
