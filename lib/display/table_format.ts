/**
 * The text form of the generated protocol table: a line `NAME version N`
 * per interface, then a line per message, requests first, each in opcode
 * order:
 *
 * ```text
 * wl_surface version 6
 *   request attach(buffer: ?object<wl_buffer>, x: int, y: int)
 *   event preferred_buffer_scale(factor: int) since 6
 * ```
 *
 * `?` marks a nullable argument, `<…>` the interface of an object or new_id.
 *
 * @module
 */
import type {
  ArgSpec,
  ArgType,
  InterfaceSpec,
  MessageSpec,
} from "./protocol.ts";

/** One interface of the table, its message lines not yet parsed. */
export interface TableEntry {
  readonly name: string;
  readonly version: number;
  readonly requests: readonly string[];
  readonly events: readonly string[];
}

const ARG_TYPES: ReadonlySet<string> = new Set<ArgType>([
  "int",
  "uint",
  "fixed",
  "string",
  "object",
  "new_id",
  "array",
  "fd",
]);

const MESSAGE =
  /^([A-Za-z_][A-Za-z0-9_]*)\((.*)\)(?: since ([1-9][0-9]*))?( destructor)?$/;
const ARG =
  /^([A-Za-z_][A-Za-z0-9_]*): (\?)?([a-z_]+)(?:<([A-Za-z_][A-Za-z0-9_]*)>)?$/;

const INTERFACE = /^([A-Za-z_][A-Za-z0-9_]*) version ([1-9][0-9]*)$/;
const REQUEST = "  request ";
const EVENT = "  event ";

/** Writes the table's text: one line per interface and per message. */
export function formatProtocolTable(
  interfaces: readonly InterfaceSpec[],
): string {
  return interfaces.flatMap((spec) => [
    `${spec.name} version ${spec.version}`,
    ...spec.requests.map((message) =>
      REQUEST + formatMessageSignature(message)
    ),
    ...spec.events.map((message) => EVENT + formatMessageSignature(message)),
  ]).map((line) => line + "\n").join("");
}

/**
 * Splits the table's text into interfaces, in their order.
 *
 * @throws {SyntaxError} On a line that is not the table's.
 */
export function splitProtocolTable(text: string): TableEntry[] {
  const entries: {
    name: string;
    version: number;
    requests: string[];
    events: string[];
  }[] = [];
  for (const line of text.split("\n")) {
    const current = entries[entries.length - 1];
    if (line === "") continue;
    if (current && line.startsWith(REQUEST)) {
      current.requests.push(line.slice(REQUEST.length));
    } else if (current && line.startsWith(EVENT)) {
      current.events.push(line.slice(EVENT.length));
    } else {
      const match = INTERFACE.exec(line);
      if (!match) throw new SyntaxError(`bad protocol table line: ${line}`);
      entries.push({
        name: match[1],
        version: Number(match[2]),
        requests: [],
        events: [],
      });
    }
  }
  return entries;
}

/** Whether `type` is one of the eight Wayland argument types. */
export function isArgType(type: string): type is ArgType {
  return ARG_TYPES.has(type);
}

/** Writes `spec` as one line that {@linkcode parseMessageSignature} reads back. */
export function formatMessageSignature(spec: MessageSpec): string {
  const args = spec.args.map((arg) =>
    `${arg.name}: ${arg.nullable ? "?" : ""}${arg.type}` +
    (arg.interface === undefined ? "" : `<${arg.interface}>`)
  );
  return `${spec.name}(${args.join(", ")})` +
    (spec.since === 1 ? "" : ` since ${spec.since}`) +
    (spec.destructor ? " destructor" : "");
}

/**
 * Reads a line of the generated table.
 *
 * @throws {SyntaxError} When the line is not one; the table is ours, so this
 * means the generator and this reader disagree.
 */
export function parseMessageSignature(line: string): MessageSpec {
  const match = MESSAGE.exec(line);
  if (!match) throw new SyntaxError(`bad message signature: ${line}`);
  const [, name, argList, since, destructor] = match;
  const args = argList === ""
    ? []
    : argList.split(", ").map((text): ArgSpec => {
      const arg = ARG.exec(text);
      if (!arg || !isArgType(arg[3])) {
        throw new SyntaxError(`bad argument "${text}" in: ${line}`);
      }
      const spec: ArgSpec = {
        name: arg[1],
        type: arg[3],
        nullable: arg[2] === "?",
      };
      return arg[4] === undefined ? spec : { ...spec, interface: arg[4] };
    });
  return {
    name,
    args,
    since: since === undefined ? 1 : Number(since),
    destructor: destructor !== undefined,
  };
}
