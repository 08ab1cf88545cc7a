/**
 * Writes `protocol_table.ts` from Wayland protocol XML files, so that the
 * display guard needs no XML at run time. Only names and signatures go into
 * the table; descriptions and copyright text stay in the XML.
 *
 * ```sh
 * deno run --allow-read --allow-write lib/display/generate_protocol_table.ts \
 *   [--source "WHAT THE NEXT FOLDER IS"]... OUT XMLDIR...
 * ```
 *
 * Every `*.xml` under each XMLDIR is read (see `protocol_xml.ts` for how
 * clashes are resolved); each `--source` line goes into the header, naming
 * the packages and versions the folders came from.
 *
 * @module
 */
import {
  type MergedProtocols,
  readProtocolDirectories,
} from "./protocol_xml.ts";
import { formatProtocolTable } from "./table_format.ts";

/** The generated module's text. */
export function renderProtocolTable(
  merged: MergedProtocols,
  options: { sources: readonly string[]; args: readonly string[] },
): string {
  const messages = merged.interfaces.reduce(
    (sum, spec) => sum + spec.requests.length + spec.events.length,
    0,
  );
  return [
    "// GENERATED from Wayland protocol XML files: do not edit. Regenerate with",
    ...commandLines(options.args).map((line) => `//   ${line}`),
    ...(options.sources.length === 0 ? [] : [
      "// Sources:",
      ...options.sources.map((source) => `//   ${source}`),
    ]),
    ...(merged.leftOut.length === 0 ? [] : [
      "// Left out (an interface name clashes with a newer protocol's):",
      ...merged.leftOut.map((line) => `//   ${line}`),
    ]),
    "",
    "/**",
    ` * ${merged.interfaces.length} interfaces, ${messages} messages, in the format that`,
    " * `table_format.ts` describes.",
    " */",
    "export const PROTOCOL_TABLE = `",
    formatProtocolTable(merged.interfaces) + "`;",
    "",
  ].join("\n");
}

/** The command that regenerates the table, a `--source` pair per line. */
function commandLines(args: readonly string[]): string[] {
  const quote = (arg: string) =>
    /^[\w./=:+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
  const lines = [
    "deno run --allow-read --allow-write lib/display/generate_protocol_table.ts",
  ];
  let at = 0;
  for (; args[at] === "--source"; at += 2) {
    lines.push(`  --source ${quote(args[at + 1] ?? "")}`);
  }
  lines.push(`  ${args.slice(at).map(quote).join(" ")}`);
  return lines.map((line, index) =>
    index < lines.length - 1 ? `${line} \\` : line
  );
}

if (import.meta.main) {
  const args = [...Deno.args];
  const sources: string[] = [];
  while (args[0] === "--source" && args.length > 1) {
    sources.push(args[1]);
    args.splice(0, 2);
  }
  const [out, ...directories] = args;
  if (out === undefined || directories.length === 0 || out.startsWith("-")) {
    console.error(
      "usage: generate_protocol_table.ts [--source TEXT]... OUT XMLDIR...",
    );
    Deno.exit(2);
  }
  const merged = await readProtocolDirectories(directories);
  await Deno.writeTextFile(
    out,
    renderProtocolTable(merged, { sources, args: Deno.args }),
  );
  console.log(`${out}: ${merged.interfaces.length} interfaces`);
}
