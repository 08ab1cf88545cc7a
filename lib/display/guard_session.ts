/**
 * One guarded Wayland connection: every message between the guest's
 * waypipe client and the compositor is parsed, checked and written anew.
 *
 * Requests from the guest must name an object it owns, use an opcode its
 * version has, and parse by the protocol table; anything else ends the
 * connection with a logged reason. Object and new_id arguments are
 * translated between the two id spaces (object_table.ts), so the guard's
 * own objects — its registry and the window frames — are unreachable.
 *
 * Events from the compositor are translated back; the registry's globals
 * outside the allow-list are never announced, and those announced carry
 * at most the version the table knows, so the guest cannot use a message
 * the guard could not check. A bind must name an announced global.
 *
 * On the way the guard labels windows (window_label.ts), frames them
 * (window_frame.ts) and gates the clipboard (clipboard_gate.ts).
 *
 * @module
 */
import { type ArgValue, decodeArgs, encodeMessage } from "./wire.ts";
import {
  type InterfaceSpec,
  type MessageSpec,
  opcodeOf,
  protocolInterface,
} from "./protocol.ts";
import {
  emptyOutput,
  type FilterOutput,
  type GuardConfig,
  type MessageFilter,
} from "./message_filter.ts";
import { ObjectTable, type WaylandObject } from "./object_table.ts";
import { IncomingMessages } from "./incoming_messages.ts";
import type { ConnectionWire } from "./connection_wire.ts";
import { WindowPolicy, type WindowPolicyOptions } from "./window_policy.ts";
import { errorMessage, QubesifyError } from "../errors/mod.ts";

/** A reason to end the connection. */
class Refusal extends QubesifyError {}

/** What a session needs besides its config. */
export type GuardSessionOptions = WindowPolicyOptions;

/** A connection's filter: see the module documentation. */
export class GuardSession implements MessageFilter {
  #config: GuardConfig;
  #allowed: ReadonlySet<string>;
  #objects: ObjectTable;
  #wire: ConnectionWire;
  #policy: WindowPolicy;
  #announced = new Map<number, { name: string; version: number }>();
  #hidden = new Set<string>();
  #guardRegistry?: WaylandObject;
  #fromClient = new IncomingMessages();
  #fromServer = new IncomingMessages();
  #out = emptyOutput();

  /** A session for one connection of the VM `config` describes. */
  constructor(config: GuardConfig, options: GuardSessionOptions) {
    this.#config = config;
    this.#allowed = new Set(config.globals.allow);
    this.#objects = new ObjectTable(interfaceOf("wl_display"));
    this.#wire = {
      objects: this.#objects,
      request: (object, name, args) =>
        this.#send("server", object, object.serverId, "requests", name, args),
      event: (object, name, args) =>
        this.#send("client", object, object.clientId!, "events", name, args),
      create: (name, version) =>
        this.#objects.addGuardObject(interfaceOf(name), version),
    };
    this.#policy = new WindowPolicy(this.#wire, config, options);
  }

  /** The guard's own registry, before the guest says anything. */
  start(): FilterOutput {
    const display = this.#objects.byServerId(1)!;
    this.#guardRegistry = this.#wire.create("wl_registry", 1);
    this.#wire.request(display, "get_registry", [this.#guardRegistry.serverId]);
    return this.#flush();
  }

  /** Bytes and fds from the guest's waypipe client. */
  fromClient(bytes: Uint8Array, fds: number[]): FilterOutput {
    return this.#receive(
      this.#fromClient,
      bytes,
      fds,
      (header, body) => this.#onRequest(header.objectId, header.opcode, body),
    );
  }

  /** Bytes and fds from the compositor. */
  fromServer(bytes: Uint8Array, fds: number[]): FilterOutput {
    return this.#receive(
      this.#fromServer,
      bytes,
      fds,
      (header, body) => this.#onEvent(header.objectId, header.opcode, body),
    );
  }

  #receive(
    queue: IncomingMessages,
    bytes: Uint8Array,
    fds: number[],
    handle: (
      header: { objectId: number; opcode: number },
      body: Uint8Array,
    ) => void,
  ): FilterOutput {
    try {
      queue.push(bytes, fds);
      queue.take(handle, () => this.#out.close === undefined);
    } catch (error) {
      this.#out.close = errorMessage(error);
    }
    if (this.#out.close) {
      this.#out.closeFds.push(...queue.fds.splice(0));
      this.#out.log.push(
        `${this.#config.vm}: display connection closed: ${this.#out.close}`,
      );
    }
    return this.#flush();
  }

  #onRequest(clientId: number, opcode: number, body: Uint8Array): void {
    const target = this.#objects.byClientId(clientId);
    if (!target || target.zombie) {
      throw new Refusal(
        `request to ${target ? "destroyed" : "unknown"} object ${clientId}`,
      );
    }
    const spec = target.spec.requests[opcode];
    if (!spec || spec.since > target.version) {
      throw new Refusal(
        `${target.spec.name} v${target.version} has no request ${opcode}`,
      );
    }
    const args = decodeArgs(spec, body, this.#fromClient.fds);
    const what = `${target.spec.name}.${spec.name}`;
    if (what === "wl_registry.bind") return this.#bind(target, args);
    if (!this.#policy.beforeRequest(what, target, args)) return;
    const created = this.#translateRequestArgs(target, spec, args);
    this.#emit("server", target.serverId, opcode, spec, args);
    this.#policy.afterRequest(what, target, args, created);
    if (spec.destructor) this.#objects.destroyed(target);
  }

  #bind(registry: WaylandObject, args: ArgValue[]): void {
    const name = args[0] as number;
    const wanted = args[1] as {
      interface: string;
      version: number;
      id: number;
    };
    const global = this.#announced.get(name);
    if (!global || global.name !== wanted.interface) {
      throw new Refusal(
        `bind to global ${name} (${wanted.interface}), which was never announced`,
      );
    }
    if (wanted.version < 1 || wanted.version > global.version) {
      throw new Refusal(
        `bind to ${global.name} v${wanted.version}, above the announced v${global.version}`,
      );
    }
    const object = this.#objects.addClientObject(
      wanted.id,
      interfaceOf(global.name),
      wanted.version,
    );
    this.#send("server", registry, registry.serverId, "requests", "bind", [
      name,
      { ...wanted, id: object.serverId },
    ]);
  }

  /** Rewrites object and new_id arguments to server ids, making new objects. */
  #translateRequestArgs(
    target: WaylandObject,
    spec: MessageSpec,
    args: ArgValue[],
  ): WaylandObject[] {
    const created: WaylandObject[] = [];
    spec.args.forEach((arg, index) => {
      if (arg.type === "object") {
        const id = args[index] as number;
        if (id === 0) {
          if (!arg.nullable) {
            throw new Refusal(`${spec.name}: ${arg.name} may not be null`);
          }
          return;
        }
        const object = this.#objects.byClientId(id);
        if (!object || object.zombie) {
          throw new Refusal(
            `${spec.name}: ${arg.name} names no live object (${id})`,
          );
        }
        if (arg.interface && object.spec.name !== arg.interface) {
          throw new Refusal(
            `${spec.name}: ${arg.name} is a ${object.spec.name}, not a ${arg.interface}`,
          );
        }
        args[index] = object.serverId;
      } else if (arg.type === "new_id") {
        if (!arg.interface) {
          throw new Refusal(`${spec.name}: untyped new object`);
        }
        const object = this.#objects.addClientObject(
          args[index] as number,
          interfaceOf(arg.interface),
          target.version,
        );
        args[index] = object.serverId;
        created.push(object);
      }
    });
    return created;
  }

  #onEvent(serverId: number, opcode: number, body: Uint8Array): void {
    const target = this.#objects.byServerId(serverId);
    if (!target) {
      throw new Refusal(
        `the compositor sent an event to unknown object ${serverId}`,
      );
    }
    const spec = target.spec.events[opcode];
    if (!spec) {
      throw new Refusal(
        `the compositor sent ${target.spec.name} event ${opcode}`,
      );
    }
    const args = decodeArgs(spec, body, this.#fromServer.fds);
    if (target.owner === "guard" || target.zombie) {
      this.#absorbEvent(target, spec, args);
    } else if (
      this.#beforeEvent(`${target.spec.name}.${spec.name}`, target, args)
    ) {
      if (this.#translateEventArgs(target, spec, args)) {
        this.#emit("client", target.clientId!, opcode, spec, args);
      } else {
        this.#discardFds(spec, args);
      }
    }
    if (spec.destructor) this.#objects.destroyed(target);
  }

  /** Policy on an event to the guest's object; false keeps it back. */
  #beforeEvent(what: string, target: WaylandObject, args: ArgValue[]): boolean {
    switch (what) {
      case "wl_display.delete_id": {
        const deleted = this.#objects.deleted(args[0] as number);
        if (deleted?.clientId === undefined) return false;
        args[0] = deleted.clientId;
        return true;
      }
      case "wl_display.error":
        args[0] = this.#objects.byServerId(args[0] as number)?.clientId ?? 1;
        return true;
      case "wl_registry.global":
        return this.#announce(args);
      case "wl_registry.global_remove":
        return this.#announced.delete(args[0] as number);
    }
    return this.#policy.beforeEvent(what, target, args);
  }

  #announce(args: ArgValue[]): boolean {
    const [name, iface, version] = args as [number, string, number];
    const spec = protocolInterface(iface);
    if (!spec || !this.#allowed.has(iface)) {
      this.#hidden.add(iface);
      return false;
    }
    const clamped = Math.min(version, spec.version);
    this.#announced.set(name, { name: iface, version: clamped });
    args[2] = clamped;
    return true;
  }

  /**
   * Server ids in an event's arguments to client ids; new objects are
   * registered. False when the event names an object the guest cannot see.
   */
  #translateEventArgs(
    target: WaylandObject,
    spec: MessageSpec,
    args: ArgValue[],
  ): boolean {
    let visible = true;
    spec.args.forEach((arg, index) => {
      if (arg.type === "object") {
        const id = args[index] as number;
        if (id === 0) return;
        const object = this.#objects.byServerId(id);
        if (!object || object.clientId === undefined) visible = false;
        else args[index] = object.clientId;
      } else if (arg.type === "new_id") {
        const offer = this.#isHeldOffer(target, spec);
        const object = this.#objects.addServerObject(
          args[index] as number,
          interfaceOf(arg.interface!),
          target.version,
          offer ? "guard" : "client",
        );
        if (offer) {
          this.#policy.clipboard.offerAnnounced(target, object);
          visible = false;
        } else {
          args[index] = object.clientId!;
        }
      }
    });
    return visible;
  }

  #isHeldOffer(target: WaylandObject, spec: MessageSpec): boolean {
    return spec.name === "data_offer" &&
      !this.#policy.clipboard.offersPassThrough &&
      (target.spec.name === "wl_data_device" ||
        target.spec.name === "zwp_primary_selection_device_v1");
  }

  /**
   * An event to one of the guard's objects, or to a destroyed one. Objects
   * it creates stay the guard's, and go back at once where they can.
   */
  #absorbEvent(
    target: WaylandObject,
    spec: MessageSpec,
    args: ArgValue[],
  ): void {
    this.#discardFds(spec, args);
    spec.args.forEach((arg, index) => {
      if (arg.type !== "new_id" || !arg.interface || isOffer(arg.interface)) {
        return;
      }
      const orphan = this.#objects.addServerObject(
        args[index] as number,
        interfaceOf(arg.interface),
        target.version,
        "guard",
      );
      const destructor = orphan.spec.requests.find((r) =>
        r.destructor && r.args.length === 0
      );
      if (destructor) {
        this.#wire.request(orphan, destructor.name, []);
        this.#objects.destroyed(orphan);
      }
    });
    if (target.zombie) return;
    if (target === this.#guardRegistry && spec.name === "global") {
      this.#policy.frames.globalAnnounced(
        this.#guardRegistry,
        ...(args as [number, string, number]),
      );
    } else if (isOffer(target.spec.name)) {
      this.#policy.clipboard.heldOfferEvent(target, spec.name, args);
    } else {
      this.#policy.frames.guardEvent(target, spec.name);
    }
  }

  /** Closes the fds of an event nobody receives (a keymap, say). */
  #discardFds(spec: MessageSpec, args: readonly ArgValue[]): void {
    spec.args.forEach((arg, index) => {
      if (arg.type === "fd") this.#out.closeFds.push(args[index] as number);
    });
  }

  #send(
    to: "server" | "client",
    object: WaylandObject,
    id: number,
    kind: "requests" | "events",
    name: string,
    args: readonly ArgValue[],
  ): void {
    const opcode = opcodeOf(object.spec, kind, name);
    this.#emit(to, id, opcode, object.spec[kind][opcode], args);
  }

  #emit(
    to: "server" | "client",
    id: number,
    opcode: number,
    spec: MessageSpec,
    args: readonly ArgValue[],
  ): void {
    const { bytes, fds } = encodeMessage(id, opcode, spec, args);
    if (to === "server") {
      this.#out.toServer.push(bytes);
      if (fds.length) this.#out.toServerFds.push(...fds);
    } else {
      this.#out.toClient.push(bytes);
      if (fds.length) this.#out.toClientFds.push(...fds);
    }
  }

  #flush(): FilterOutput {
    const out = this.#out;
    this.#out = emptyOutput();
    if (this.#hidden.size) {
      out.log.push(
        `${this.#config.vm}: hid globals ${
          [...this.#hidden].sort().join(", ")
        }`,
      );
      this.#hidden.clear();
    }
    return out;
  }
}

/** Clipboard and drag offers, which the gate keeps. */
function isOffer(name: string): boolean {
  return name === "wl_data_offer" || name === "zwp_primary_selection_offer_v1";
}

function interfaceOf(name: string): InterfaceSpec {
  const spec = protocolInterface(name);
  if (!spec) throw new Refusal(`unknown interface ${name}`);
  return spec;
}
