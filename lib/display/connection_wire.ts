/**
 * How the parts of a guarded connection speak on it: the session, the
 * window frames and the clipboard gate send requests to the compositor and
 * events to the guest by message name, and make objects of the guard's own.
 *
 * @module
 */
import type { ArgValue } from "./wire.ts";
import type { ObjectTable, WaylandObject } from "./object_table.ts";

/** One connection's outgoing side, shared by the session's parts. */
export interface ConnectionWire {
  /** The connection's objects in both id spaces. */
  readonly objects: ObjectTable;
  /**
   * Sends `object`'s request `name` to the compositor; object and new_id
   * arguments are server ids.
   */
  request(object: WaylandObject, name: string, args: readonly ArgValue[]): void;
  /**
   * Sends `object`'s event `name` to the guest; object and new_id arguments
   * are client ids.
   */
  event(object: WaylandObject, name: string, args: readonly ArgValue[]): void;
  /** A new object of the guard's own, invisible to the guest. */
  create(interfaceName: string, version: number): WaylandObject;
}
