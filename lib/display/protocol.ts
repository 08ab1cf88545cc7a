/**
 * The Wayland protocols the display guard understands: every interface's
 * requests and events, by opcode, with their argument types. The data comes
 * from `protocol_table.ts`, generated from the protocol XML files by
 * `generate_protocol_table.ts`, so nothing reads XML at run time.
 *
 * @module
 */
import { PROTOCOL_TABLE } from "./protocol_table.ts";
import {
  parseMessageSignature,
  splitProtocolTable,
  type TableEntry,
} from "./table_format.ts";

/** The wire types of message arguments. */
export type ArgType =
  | "int"
  | "uint"
  | "fixed"
  | "string"
  | "object"
  | "new_id"
  | "array"
  | "fd";

/** One argument of a request or event. */
export interface ArgSpec {
  readonly name: string;
  readonly type: ArgType;
  /** For object and new_id: the interface, when the XML names one. */
  readonly interface?: string;
  /** `allow-null="true"`: an object may be 0, a string absent. */
  readonly nullable: boolean;
}

/** One request or event. */
export interface MessageSpec {
  readonly name: string;
  readonly args: readonly ArgSpec[];
  /** Interface version that introduced it (XML `since`, default 1). */
  readonly since: number;
  /** `type="destructor"`. */
  readonly destructor: boolean;
}

/** One interface, with its messages indexed by opcode. */
export interface InterfaceSpec {
  readonly name: string;
  /** Highest version the table knows. */
  readonly version: number;
  /** Index = opcode. */
  readonly requests: readonly MessageSpec[];
  /** Index = opcode. */
  readonly events: readonly MessageSpec[];
}

const parsed = new Map<string, InterfaceSpec>();
let entries: ReadonlyMap<string, TableEntry> | undefined;

function tableEntries(): ReadonlyMap<string, TableEntry> {
  entries ??= new Map(
    splitProtocolTable(PROTOCOL_TABLE).map((entry) => [entry.name, entry]),
  );
  return entries;
}

/**
 * Every interface the guard knows, by name.
 *
 * @example
 * ```ts
 * import { protocolInterface } from "./protocol.ts";
 * const surface = protocolInterface("wl_surface")!;
 * surface.requests[1].name; // "attach"
 * ```
 */
export function protocolInterface(name: string): InterfaceSpec | undefined {
  const cached = parsed.get(name);
  if (cached) return cached;
  const entry = tableEntries().get(name);
  if (!entry) return undefined;
  const spec: InterfaceSpec = {
    name: entry.name,
    version: entry.version,
    requests: entry.requests.map(parseMessageSignature),
    events: entry.events.map(parseMessageSignature),
  };
  parsed.set(name, spec);
  return spec;
}

let names: readonly string[] | undefined;

/** All names the table knows, sorted (for tests and `recipe show`). */
export function knownInterfaces(): readonly string[] {
  names ??= Object.freeze([...tableEntries().keys()]);
  return names;
}

/** Opcodes by message name, per interface and direction, found once. */
const opcodes = new WeakMap<InterfaceSpec, Map<string, number>>();

/**
 * The opcode of `spec`'s request or event `name`; throws when it has none.
 *
 * @example
 * ```ts
 * import { opcodeOf, protocolInterface } from "./protocol.ts";
 * opcodeOf(protocolInterface("wl_surface")!, "requests", "attach"); // 1
 * ```
 */
export function opcodeOf(
  spec: InterfaceSpec,
  kind: "requests" | "events",
  name: string,
): number {
  let byName = opcodes.get(spec);
  if (!byName) {
    byName = new Map();
    spec.requests.forEach((m, i) => byName!.set(`requests.${m.name}`, i));
    spec.events.forEach((m, i) => byName!.set(`events.${m.name}`, i));
    opcodes.set(spec, byName);
  }
  const opcode = byName.get(`${kind}.${name}`);
  if (opcode === undefined) throw new Error(`${spec.name} has no ${name}`);
  return opcode;
}
