/**
 * Protocol XML files to {@linkcode InterfaceSpec}s: what the table generator
 * and the table's consistency test share.
 *
 * @module
 */
import { formatMessageSignature, isArgType } from "./table_format.ts";
import type { ArgSpec, InterfaceSpec, MessageSpec } from "./protocol.ts";
import { readXml, type XmlElement, XmlError } from "./xml_reader.ts";

/** One protocol file: its name and interfaces. */
export interface ProtocolSpec {
  readonly name: string;
  readonly interfaces: readonly InterfaceSpec[];
}

/** What {@linkcode mergeProtocols} keeps, and the protocols it leaves out. */
export interface MergedProtocols {
  /** Sorted by name. */
  readonly interfaces: readonly InterfaceSpec[];
  /** One line per protocol left out, saying why. */
  readonly leftOut: readonly string[];
}

/**
 * Reads one protocol file.
 *
 * @param source Names the file in error messages.
 * @throws {XmlError} When the file is not a protocol description.
 */
export function protocolFromXml(text: string, source: string): ProtocolSpec {
  const root = readXml(text, source);
  const fail = (what: string): never => {
    throw new XmlError(`${source}: ${what}`);
  };
  if (root.name !== "protocol") {
    fail(`root element is <${root.name}>, not <protocol>`);
  }
  const name = required(root, "name", fail);
  const interfaces = root.children.filter((child) => child.name === "interface")
    .map(
      (element): InterfaceSpec => {
        const name = required(element, "name", fail);
        const inInterface = (what: string) =>
          fail(`interface ${name}: ${what}`);
        const version = positive(
          element.attributes.get("version"),
          "version",
          inInterface,
        );
        const messages = (kind: "request" | "event") =>
          element.children.filter((child) => child.name === kind).map((
            message,
          ) => messageFromXml(message, inInterface));
        return {
          name,
          version,
          requests: messages("request"),
          events: messages("event"),
        };
      },
    );
  return { name, interfaces };
}

/**
 * Reads every `*.xml` under `directories` (recursively, in sorted order) and
 * merges them with {@linkcode mergeProtocols}.
 */
export async function readProtocolDirectories(
  directories: readonly string[],
): Promise<MergedProtocols> {
  const protocols: ProtocolSpec[] = [];
  for (const directory of directories) {
    for (const path of await xmlFiles(directory)) {
      protocols.push(protocolFromXml(await Deno.readTextFile(path), path));
    }
  }
  return mergeProtocols(protocols);
}

/**
 * One spec per interface name. Where files define the same name (a protocol
 * moved from unstable to stable, say), the higher version wins; at equal
 * versions, the one that says more, then the first read. A protocol whose
 * interface lost to one it is not a prefix of (xdg-shell-unstable-v5's
 * `xdg_surface` is not stable xdg-shell's) is left out whole: its other
 * interfaces would create objects the table describes wrongly.
 */
export function mergeProtocols(
  protocols: readonly ProtocolSpec[],
): MergedProtocols {
  const winners = new Map<string, InterfaceSpec>();
  for (const spec of protocols.flatMap((protocol) => protocol.interfaces)) {
    const held = winners.get(spec.name);
    if (!held || rank(spec) > rank(held)) winners.set(spec.name, spec);
  }
  const leftOut: string[] = [];
  const kept = new Map<string, InterfaceSpec>();
  for (const protocol of protocols) {
    const clash = protocol.interfaces.find((spec) =>
      !isPrefixOf(spec, winners.get(spec.name)!)
    );
    if (clash) {
      leftOut.push(
        `${protocol.name}: its ${clash.name} differs from the newer one`,
      );
      continue;
    }
    for (const spec of protocol.interfaces) {
      kept.set(spec.name, winners.get(spec.name)!);
    }
  }
  const interfaces = [...kept.values()].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0
  );
  return { interfaces, leftOut };
}

/**
 * Whether `newer` only extends `older`: a version at least as high, and each
 * message list a prefix of its own, message for message and argument for
 * argument.
 */
export function isPrefixOf(
  older: InterfaceSpec,
  newer: InterfaceSpec,
): boolean {
  const prefix = (a: readonly MessageSpec[], b: readonly MessageSpec[]) =>
    a.length <= b.length &&
    a.every((message, index) =>
      formatMessageSignature(message) === formatMessageSignature(b[index])
    );
  return older.name === newer.name && older.version <= newer.version &&
    prefix(older.requests, newer.requests) &&
    prefix(older.events, newer.events);
}

function rank(spec: InterfaceSpec): number {
  return spec.version * 100_000 + spec.requests.length + spec.events.length;
}

function messageFromXml(
  element: XmlElement,
  fail: (what: string) => never,
): MessageSpec {
  const name = required(element, "name", fail);
  const inMessage = (what: string) => fail(`${element.name} ${name}: ${what}`);
  const type = element.attributes.get("type");
  if (type !== undefined && type !== "destructor") {
    inMessage(`unknown type "${type}"`);
  }
  const since = element.attributes.get("since");
  return {
    name,
    args: element.children.filter((child) => child.name === "arg").map((arg) =>
      argFromXml(arg, inMessage)
    ),
    since: since === undefined ? 1 : positive(since, "since", inMessage),
    destructor: type === "destructor",
  };
}

function argFromXml(
  element: XmlElement,
  fail: (what: string) => never,
): ArgSpec {
  const name = required(element, "name", fail);
  const type = required(element, "type", fail);
  if (!isArgType(type)) {
    return fail(`argument ${name} has unknown type "${type}"`);
  }
  const allowNull = element.attributes.get("allow-null") ?? "false";
  if (allowNull !== "true" && allowNull !== "false") {
    fail(`argument ${name}: allow-null="${allowNull}"`);
  }
  const nullable = allowNull === "true";
  if (nullable && !["string", "object", "new_id", "array"].includes(type)) {
    fail(`argument ${name}: a ${type} cannot be null`);
  }
  const iface = element.attributes.get("interface");
  if (iface === undefined) return { name, type, nullable };
  if (type !== "object" && type !== "new_id") {
    fail(`argument ${name}: a ${type} names no interface`);
  }
  return { name, type, interface: iface, nullable };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function required(
  element: XmlElement,
  attribute: string,
  fail: (what: string) => never,
): string {
  const value = element.attributes.get(attribute);
  if (value === undefined) {
    return fail(`<${element.name}> without ${attribute}`);
  }
  if (!IDENTIFIER.test(value)) {
    fail(`<${element.name}> ${attribute}="${value}"`);
  }
  return value;
}

function positive(
  value: string | undefined,
  attribute: string,
  fail: (what: string) => never,
): number {
  if (value === undefined || !/^[1-9][0-9]{0,8}$/.test(value)) {
    return fail(`${attribute}="${value ?? ""}" is not a positive integer`);
  }
  return Number(value);
}

async function xmlFiles(directory: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(directory)) {
    const path = `${directory}/${entry.name}`;
    if (entry.isDirectory) found.push(...await xmlFiles(path));
    else if (entry.isFile && entry.name.endsWith(".xml")) found.push(path);
  }
  return found.sort();
}
