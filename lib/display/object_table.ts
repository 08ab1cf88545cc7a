/**
 * The objects of one guarded Wayland connection, and the two id spaces
 * the guard keeps apart.
 *
 * The guest's waypipe client numbers its objects; the compositor numbers
 * them again on the guard's own connection, and the guard adds objects of
 * its own there (its registry, the window frames) that the guest must
 * never see or address. So every id is translated:
 *
 * - client ids: what the guest uses. Its own objects lie below
 *   0xff000000, as it chose them; objects the compositor creates (a data
 *   offer, say) get ids from 0xff000000 up, chosen here.
 * - server ids: what the compositor uses. The guard allocates those of
 *   client-side objects the way libwayland-client does — the lowest freed
 *   id or the next one — since libwayland-server refuses a new id that
 *   skips ahead.
 *
 * An id is free again only after the compositor's `wl_display.delete_id`
 * for it (objects the client made) or the destructor request (objects the
 * compositor made), exactly when libwayland frees it; until then the object
 * is a zombie whose events are dropped.
 *
 * @module
 */
import type { InterfaceSpec } from "./protocol.ts";
import { QubesifyError } from "../errors/mod.ts";

/** The first id of the range the compositor allocates from. */
export const SERVER_ID_START = 0xff00_0000;

/** Who sees an object: the guest, or only the guard. */
export type ObjectOwner = "client" | "guard";

/** One live object of the connection. */
export interface WaylandObject {
  /** Its interface, with the messages the guard knows. */
  readonly spec: InterfaceSpec;
  /** The version bound or inherited. */
  readonly version: number;
  /** The compositor's id. */
  readonly serverId: number;
  /** The guest's id; none for the guard's own objects. */
  readonly clientId?: number;
  /** Who may address it. */
  readonly owner: ObjectOwner;
  /** Destroyed, waiting for its id to be freed; events to it are dropped. */
  zombie: boolean;
}

/** The most objects one connection may hold; a guest above it is cut off. */
export const MAX_OBJECTS = 100_000;

/** The table is full, or an id is used in a way the protocol forbids. */
export class ObjectIdError extends QubesifyError {}

/** The objects of one connection in both id spaces. */
export class ObjectTable {
  #byServer = new Map<number, WaylandObject>();
  #byClient = new Map<number, WaylandObject>();
  #freeServerIds: number[] = [];
  #nextServerId = 2;
  #freeClientIds: number[] = [];
  #nextClientId = SERVER_ID_START;

  /** Creates the table with wl_display as object 1 on both sides. */
  constructor(display: InterfaceSpec) {
    this.#add({
      spec: display,
      version: 1,
      serverId: 1,
      clientId: 1,
      owner: "client",
      zombie: false,
    });
  }

  /** How many objects are live or zombie. */
  get size(): number {
    return this.#byServer.size;
  }

  /** The object the guest calls `clientId`, if it may address it. */
  byClientId(clientId: number): WaylandObject | undefined {
    return this.#byClient.get(clientId);
  }

  /** The object the compositor calls `serverId`. */
  byServerId(serverId: number): WaylandObject | undefined {
    return this.#byServer.get(serverId);
  }

  /**
   * A new object the guest created with `clientId`; throws when that id is
   * outside the guest's range or in use.
   */
  addClientObject(
    clientId: number,
    spec: InterfaceSpec,
    version: number,
  ): WaylandObject {
    if (clientId === 0 || clientId >= SERVER_ID_START) {
      throw new ObjectIdError(`new id ${clientId} is outside the client range`);
    }
    if (this.#byClient.has(clientId)) {
      throw new ObjectIdError(`new id ${clientId} is already in use`);
    }
    return this.#add({
      spec,
      version,
      serverId: this.#allocateServerId(),
      clientId,
      owner: "client",
      zombie: false,
    });
  }

  /** A new object of the guard's own, invisible to the guest. */
  addGuardObject(spec: InterfaceSpec, version: number): WaylandObject {
    return this.#add({
      spec,
      version,
      serverId: this.#allocateServerId(),
      owner: "guard",
      zombie: false,
    });
  }

  /**
   * An object the compositor created with `serverId` (a new_id in an
   * event); the guest sees it under an id chosen here, unless the guard
   * keeps it (`owner: "guard"`).
   */
  addServerObject(
    serverId: number,
    spec: InterfaceSpec,
    version: number,
    owner: ObjectOwner,
  ): WaylandObject {
    if (serverId < SERVER_ID_START || this.#byServer.has(serverId)) {
      throw new ObjectIdError(
        `the compositor reused or misplaced id ${serverId}`,
      );
    }
    return this.#add({
      spec,
      version,
      serverId,
      clientId: owner === "client" ? this.#allocateClientId() : undefined,
      owner,
      zombie: false,
    });
  }

  /**
   * Hands an object the guard kept (a withheld clipboard offer) to the
   * guest, under a fresh client id.
   */
  reveal(object: WaylandObject): WaylandObject {
    if (object.owner === "client") return object;
    const revealed: WaylandObject = {
      ...object,
      owner: "client",
      clientId: this.#allocateClientId(),
    };
    this.#byServer.set(object.serverId, revealed);
    this.#byClient.set(revealed.clientId!, revealed);
    return revealed;
  }

  /**
   * The object was destroyed (a destructor request or event). Objects the
   * compositor created are gone at once; the others wait as zombies for
   * `wl_display.delete_id`.
   */
  destroyed(object: WaylandObject): void {
    if (object.serverId >= SERVER_ID_START) {
      this.#remove(object);
      return;
    }
    object.zombie = true;
  }

  /**
   * `wl_display.delete_id` for `serverId`: frees it, and answers the client
   * id to pass the deletion on with (none for the guard's own objects).
   */
  deleted(serverId: number): { clientId?: number } | undefined {
    const object = this.#byServer.get(serverId);
    if (!object || serverId >= SERVER_ID_START) return undefined;
    this.#remove(object);
    return { clientId: object.clientId };
  }

  #add(object: WaylandObject): WaylandObject {
    if (this.#byServer.size >= MAX_OBJECTS) {
      throw new ObjectIdError(`more than ${MAX_OBJECTS} objects`);
    }
    this.#byServer.set(object.serverId, object);
    if (object.clientId !== undefined) {
      this.#byClient.set(object.clientId, object);
    }
    return object;
  }

  #remove(object: WaylandObject): void {
    this.#byServer.delete(object.serverId);
    if (object.serverId >= SERVER_ID_START) {
      if (object.clientId !== undefined) {
        this.#byClient.delete(object.clientId);
        this.#freeClientIds.push(object.clientId);
      }
      return;
    }
    this.#freeServerIds.push(object.serverId);
    if (object.clientId !== undefined) this.#byClient.delete(object.clientId);
  }

  #allocateServerId(): number {
    return this.#freeServerIds.pop() ?? this.#nextServerId++;
  }

  #allocateClientId(): number {
    return this.#freeClientIds.pop() ?? this.#nextClientId++;
  }
}
