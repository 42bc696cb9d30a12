// `mediagate`: the SDK from a terminal. Exit codes: 0 success, 1 a problem (code, title, detail printed),
// 2 usage or an input file that cannot be read (nothing was sent), 130 interrupted (Ctrl-C; a resumable
// upload is kept and the same command resumes it).
// Whatever came from the server (results, file lists, provider names, problems) is printed through inert() or
// inertJson() (./terminal.ts): a hostile gateway or provider cannot drive the user's terminal.
import { keysCommand, usageCommand } from "./cli-admin";
import { count, one, parse, UsageError, whole } from "./cli-args";
import { reuseCommand } from "./cli-reuse";
import { humanSize } from "./format";
import { fileRows, providerLines } from "./listing";
import { createMediagate, MediagateError, type ProviderId, type Purpose } from "./node";
import { progressPrinter } from "./progress";
import { inert, inertJson } from "./terminal";

const USAGE = `Usage: mediagate <command> [options]

  upload <file...> --provider P [provider options] [--json] [--resumable]
  import <url> --provider P [--filename NAME] [provider options] [--json]
  ensure <file> --provider P [--keep-days N] [provider options] [--json]
  copy <id> --provider P [provider options] [--json]
  files [ls [--provider P] [--limit N] [--cursor C] | get ID | rm ID] [--json]
  providers [--json]
  keys create NAME [--provider P ...] [--action A ...] [--bytes-per-day N] [--uploads-per-minute N]
              [--max-file-bytes N] [--concurrent N] [--expires TIME] [--json]
  keys ls [--json] | keys revoke ID [--json]
  usage [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--provider P] [--key-id ID] [--json]

Options:
  --url URL       the gateway (or MEDIAGATE_URL; default http://localhost:8787)
  --key KEY       a gateway key (or MEDIAGATE_KEY)
  --resumable     always upload through tus (resumable), whatever the size
  --chunk-size N  bytes per tus PATCH (default: 50 MiB, at most the single-request limit)
  --keep-days N   keep the original in the gateway this many days (upload, ensure; 0: not kept)
  --parallel N    tus parts sent at once where the gateway concatenates (default 4; 1: one sequence)
  --json          print JSON results
  -h, --help      this text

Provider options (\`mediagate providers\` lists which provider takes which):
  --purpose X  --user U  --account A  --expires-after SECONDS  --display-name NAME  --metadata JSON

keys create: --provider and --action once per value (actions: upload, tickets, files:read, files:delete,
usage:read, keys:admin, events:read, webhooks:admin; omitted, the calling key's own); quotas are whole numbers; --expires is an ISO 8601
time. The new key is printed once, alone on stdout (what to know about it goes to stderr).

ensure: the registry's live record at P if any, else a copy of the kept original, else an upload; it
prints which (live, copy, upload). copy: a kept original to another provider, the file not sent again.

Re-running an interrupted upload of the same file resumes it.
Exit: 0 ok, 1 problem, 2 usage or unreadable input file, 130 interrupted.`;

function printProblem(error: MediagateError) {
  const p = error.problem;
  // The gateway's advice names the wire; here an option is a flag.
  const flag =
    typeof p?.field === "string" ? [`(in this CLI, "${p.field}" is --${p.field.replaceAll("_", "-")})`] : [];
  const lines = p
    ? [`Error ${p.status} ${p.code}: ${p.title}`, ...(p.detail ? [p.detail] : []), ...flag]
    : [`Error ${error.code}: ${error.message}`];
  process.stderr.write(`${lines.map(inert).join("\n")}\n`);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const baseUrl = values.url ?? process.env.MEDIAGATE_URL ?? "http://localhost:8787";
  const apiKey = values.key ?? process.env.MEDIAGATE_KEY;
  if (!apiKey) throw new UsageError("No gateway key: pass --key or set MEDIAGATE_KEY.");
  const mg = createMediagate({ baseUrl, apiKey });
  const out = (value: unknown, text: string) =>
    process.stdout.write(`${values.json ? inertJson(value) : text}\n`);
  const fields = {
    ...(values.purpose ? { purpose: values.purpose as Purpose } : {}),
    ...(values.user ? { user: values.user } : {}),
    ...(values.account ? { account: values.account } : {}),
    ...(values.metadata ? { metadata: values.metadata } : {}),
    ...(values["expires-after"] ? { expires_after: values["expires-after"] } : {}),
    ...(values["display-name"] ? { display_name: values["display-name"] } : {}),
  };
  const provider = () => {
    const p = one("provider", values.provider);
    if (!p) throw new UsageError(`${command} needs --provider.`);
    return p as ProviderId;
  };

  switch (command) {
    case "upload": {
      if (rest.length === 0) throw new UsageError("upload needs at least one file.");
      const p = provider();
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once("SIGINT", onSigint);
      try {
        const results = [];
        for (const file of rest) {
          const bar = progressPrinter(file, {
            tty: process.stderr.isTTY === true,
            columns: process.stderr.columns,
            write: (text) => process.stderr.write(text),
          });
          const chunk = values["chunk-size"] ? Number(values["chunk-size"]) : undefined;
          const keep = whole("keep-days", values["keep-days"]);
          const parallel = count("parallel", values.parallel);
          const uploaded = await mg
            .upload(file, {
              provider: p,
              ...fields,
              signal: controller.signal,
              onProgress: (x) => bar.update(x),
              onResume: (offset) => bar.resumed(offset),
              ...(values.resumable ? { transport: "tus" as const } : {}),
              ...(chunk ? { chunkSize: chunk } : {}),
              ...(keep === undefined ? {} : { keep_days: keep }),
              ...(parallel === undefined ? {} : { parallelUploads: parallel }),
            })
            .finally(() => bar.done());
          results.push(uploaded.result);
          const r = uploaded.result;
          if (!values.json && r)
            out(
              r,
              `${inert(file)}: ${inert(r.provider)} ${inert(r.status)} reference=${inert(r.reference)} id=${inert(r.id)}${uploaded.deduplicated ? " (deduplicated)" : ""}`,
            );
        }
        if (values.json) out(results.length === 1 ? results[0] : results, "");
      } finally {
        process.removeListener("SIGINT", onSigint);
      }
      return 0;
    }
    case "import": {
      const [url] = rest;
      if (!url) throw new UsageError("import needs a URL.");
      const r = await mg.import(url, {
        provider: provider(),
        ...fields,
        ...(values.filename ? { filename: values.filename } : {}),
      });
      out(r, `${inert(r.provider)} ${inert(r.status)} reference=${inert(r.reference)} id=${inert(r.id)}`);
      return 0;
    }
    case "files": {
      const [sub = "ls", id] = rest;
      if (sub === "ls") {
        const filter = one("provider", values.provider);
        const list = await mg.files.list({
          ...(filter ? { provider: filter as ProviderId } : {}),
          ...(values.limit ? { limit: Number(values.limit) } : {}),
          ...(values.cursor ? { cursor: values.cursor } : {}),
        });
        const rows = list.data.length ? fileRows(list.data) : [];
        out(
          list,
          [...rows, ...(list.next_cursor ? [`(more: --cursor ${inert(list.next_cursor)})`] : [])].join(
            "\n",
          ) || "(no files)",
        );
        return 0;
      }
      if (!id || (sub !== "get" && sub !== "rm")) throw new UsageError("files takes ls, get ID or rm ID.");
      const record = sub === "get" ? await mg.files.get(id) : await mg.files.delete(id);
      out(
        record,
        [record.id, record.provider, record.status, humanSize(record.file.size), record.file.name]
          .concat(
            sub === "rm"
              ? [`provider_deleted=${(record as { provider_deleted?: boolean }).provider_deleted}`]
              : [],
          )
          .map(inert)
          .join("  "),
      );
      return 0;
    }
    case "providers": {
      const list = await mg.providers();
      out({ providers: list }, providerLines(list).join("\n"));
      return 0;
    }
    case "ensure":
    case "copy":
      return reuseCommand(mg, command, rest, values, { provider: provider(), fields });
    case "keys":
      return keysCommand(mg, rest, values);
    case "usage":
      return usageCommand(mg, rest, values);
    default:
      throw new UsageError(`Unknown command "${command}".`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    if (error instanceof MediagateError) {
      if (error.kind === "aborted") {
        process.stderr.write("\nInterrupted. Run the same command again to resume.\n");
        process.exit(130);
      }
      if (error.kind === "input") {
        // The command cannot run as given (like a usage error): nothing was sent.
        process.stderr.write(`${inert(error.message)}\n`);
        process.exit(2);
      }
      printProblem(error);
      process.exit(1);
    }
    if (error instanceof TypeError) {
      process.stderr.write(`${inert((error as Error).message)}\n`);
      process.exit(2);
    }
    // A stack may quote a server's answer (a parse error's message); its own line breaks are kept.
    process.stderr.write(
      `${String((error as Error)?.stack ?? error)
        .split("\n")
        .map(inert)
        .join("\n")}\n`,
    );
    process.exit(1);
  },
);
