/**
 * Test support: a filter driven by hand, speaking raw Wayland messages on
 * both sides and reading back what it sent where.
 *
 * @module
 */
import assert from "node:assert/strict";
import { protocolInterface } from "./protocol.ts";
import {
  type ArgValue,
  decodeArgs,
  encodeMessage,
  HEADER_SIZE,
  readHeader,
} from "./wire.ts";
import type { FilterOutput, MessageFilter } from "./message_filter.ts";
import { concatBytes } from "../io/mod.ts";

/** A message as a test writes or reads it: the object's interface spelled out. */
export interface Message {
  /** Object id on the side it travels on. */
  id: number;
  /** Interface of that object. */
  iface: string;
  /** Request or event name. */
  name: string;
  /** Arguments, ids in that side's numbering. */
  args: ArgValue[];
}

/** Encodes a request or event (by `kind`) to bytes. */
export function encode(
  kind: "requests" | "events",
  message: Message,
): { bytes: Uint8Array; fds: number[] } {
  const spec = protocolInterface(message.iface)!;
  const opcode = spec[kind].findIndex((m) => m.name === message.name);
  assert.ok(opcode >= 0, `${message.iface} has no ${message.name}`);
  return encodeMessage(message.id, opcode, spec[kind][opcode], message.args);
}

/**
 * Decodes a side's output, naming each message by the interface `objects`
 * says its object has, and recording the objects each message creates as
 * it goes (a message may use an object the one before it made).
 */
export function decodeAll(
  kind: "requests" | "events",
  chunks: Uint8Array[],
  fds: number[],
  objects: Map<number, string>,
): Message[] {
  const bytes = concatBytes(chunks);
  const messages: Message[] = [];
  const queue = [...fds];
  for (let offset = 0; offset < bytes.length;) {
    const header = readHeader(bytes, offset)!;
    const iface = objects.get(header.objectId);
    assert.ok(iface, `a message for unknown id ${header.objectId}`);
    const spec = protocolInterface(iface)![kind][header.opcode];
    const args = decodeArgs(
      spec,
      bytes.subarray(offset + HEADER_SIZE, offset + header.size),
      queue,
    );
    const message = { id: header.objectId, iface, name: spec.name, args };
    learn(message, kind, objects);
    messages.push(message);
    offset += header.size;
  }
  return messages;
}

/**
 * Drives `filter` as a waypipe client and a compositor would, keeping
 * track of each side's object interfaces from the messages themselves.
 */
export class FilterDriver {
  readonly filter: MessageFilter;
  /** Interfaces by id, as the client knows them. */
  readonly clientObjects = new Map<number, string>([[1, "wl_display"]]);
  /** Interfaces by id, as the compositor knows them. */
  readonly serverObjects = new Map<number, string>([[1, "wl_display"]]);
  /** Everything that reached the compositor so far. */
  readonly atServer: Message[] = [];
  /** Everything that reached the client so far. */
  readonly atClient: Message[] = [];
  /** Log lines and the close reason, if any. */
  readonly log: string[] = [];
  closed?: string;
  closedFds: number[] = [];

  /** Starts `filter` and records what it sends first. */
  constructor(filter: MessageFilter) {
    this.filter = filter;
    this.#record(filter.start());
  }

  /** The client sends `message` (with `fds`). */
  client(message: Message, fds: number[] = []): Message[] {
    const { bytes } = encode("requests", message);
    learn(message, "requests", this.clientObjects);
    return this.#record(this.filter.fromClient(bytes, fds)).server;
  }

  /** The compositor sends `message`. */
  server(message: Message, fds: number[] = []): Message[] {
    const { bytes } = encode("events", message);
    learn(message, "events", this.serverObjects);
    return this.#record(this.filter.fromServer(bytes, fds)).client;
  }

  #record(out: FilterOutput): { server: Message[]; client: Message[] } {
    const server = decodeAll(
      "requests",
      out.toServer,
      out.toServerFds,
      this.serverObjects,
    );
    const client = decodeAll(
      "events",
      out.toClient,
      out.toClientFds,
      this.clientObjects,
    );
    this.atServer.push(...server);
    this.atClient.push(...client);
    this.log.push(...out.log);
    this.closedFds.push(...out.closeFds);
    if (out.close) this.closed = out.close;
    return { server, client };
  }
}

/** Records the interfaces of objects a message creates. */
function learn(
  message: Message,
  kind: "requests" | "events",
  objects: Map<number, string>,
): void {
  const spec = protocolInterface(message.iface)![kind].find((m) =>
    m.name === message.name
  )!;
  spec.args.forEach((arg, index) => {
    const value = message.args[index];
    if (arg.type !== "new_id") return;
    if (typeof value === "object" && value && "interface" in value) {
      objects.set(value.id, value.interface);
    } else if (arg.interface) {
      objects.set(value as number, arg.interface);
    }
  });
}
