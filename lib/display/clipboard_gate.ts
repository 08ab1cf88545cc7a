/**
 * The clipboard by explicit action. With `clipboard: explicit` the guest
 * never receives the host's selection just by getting focus, and never
 * sets the host's selection just by copying:
 *
 * - the compositor's selection offers (wl_data_device and primary
 *   selection) are kept by the guard, with the MIME types they announce,
 *   until Ctrl+Shift+V in a VM window replays the latest one to the guest;
 * - the guest's set_selection is kept until Ctrl+Shift+C in a VM window
 *   passes it on, with that key press's serial;
 * - the chord keys themselves never reach the guest.
 *
 * `shared` lets everything through; `none` keeps both directions shut and
 * leaves the chords to the app. Drag and drop is a gesture of its own and
 * passes in every mode: an offer that turns out to be a drag is handed to
 * the guest when the drag enters its window.
 *
 * @module
 */
import type { ArgValue } from "./wire.ts";
import type { ConnectionWire } from "./connection_wire.ts";
import type { WaylandObject } from "./object_table.ts";

/** How a VM's clipboard meets the host's. */
export type ClipboardMode = "explicit" | "shared" | "none";

/** evdev key codes of C and V where a keyboard's keymap is not known. */
const KEY_C = 46;
const KEY_V = 47;
/** xkbcommon's core modifiers keep these indices on every keymap. */
const SHIFT = 1 << 0;
const CAPS_LOCK = 1 << 1;
const CONTROL = 1 << 2;
const NUM_LOCK = 1 << 4;

/** An offer the guard keeps, with the events that described it. */
interface HeldOffer {
  offer: WaylandObject;
  device: WaylandObject;
  events: { name: string; args: ArgValue[] }[];
}

/** The clipboard gate of one connection. */
export class ClipboardGate {
  #wire: ConnectionWire;
  #mode: ClipboardMode;
  /** Offers announced but not yet known as selection or drag. */
  #announced = new Map<number, HeldOffer>();
  /** The host's latest selection per device: an offer, or none. */
  #hostSelection = new Map<WaylandObject, HeldOffer | null>();
  /** The guest's latest set_selection per device. */
  #guestSelection = new Map<WaylandObject, WaylandObject | null>();
  #modifiers = new Map<WaylandObject, number>();
  #chordKeys = new Map<WaylandObject, { copy: number; paste: number }>();
  #swallowedKeys = new Map<WaylandObject, Set<number>>();

  /** A gate on `wire` in `mode`. */
  constructor(wire: ConnectionWire, mode: ClipboardMode) {
    this.#wire = wire;
    this.#mode = mode;
  }

  /** Whether the compositor's new offers go to the guest at once. */
  get offersPassThrough(): boolean {
    return this.#mode === "shared";
  }

  /**
   * A data_offer event created `offer` (kept by the guard) on `device`; it
   * is held until its selection or drag event says what it is.
   */
  offerAnnounced(device: WaylandObject, offer: WaylandObject): void {
    this.#announced.set(offer.serverId, { offer, device, events: [] });
  }

  /** An event to an offer the guard keeps (its MIME types, its actions). */
  heldOfferEvent(offer: WaylandObject, name: string, args: ArgValue[]): void {
    const held = this.#announced.get(offer.serverId) ??
      [...this.#hostSelection.values()].find((h) => h?.offer === offer);
    held?.events.push({ name, args });
  }

  /**
   * The compositor's selection event on `device` (`offerId` a server id, 0
   * for none). Returns whether to pass it on as it is.
   */
  selection(device: WaylandObject, offerId: number): boolean {
    if (this.#mode === "shared") return true;
    const held = this.#announced.get(offerId) ?? null;
    this.#announced.delete(offerId);
    const previous = this.#hostSelection.get(device);
    if (previous && previous.offer.owner === "guard") this.#drop(previous);
    this.#hostSelection.set(device, held);
    return false;
  }

  /**
   * A drag enters a VM window with `offerId` (a server id): a held offer
   * is handed to the guest before the enter event that names it.
   */
  dragEntered(offerId: number): void {
    const held = this.#announced.get(offerId);
    if (!held) return;
    this.#announced.delete(offerId);
    this.#reveal(held);
  }

  /**
   * The guest's set_selection on `device` with `source` (none: clearing).
   * Returns whether to pass it on now.
   */
  guestSelection(
    device: WaylandObject,
    source: WaylandObject | undefined,
  ): boolean {
    if (this.#mode === "shared") return true;
    this.#guestSelection.set(device, source ?? null);
    return false;
  }

  /** The guest destroyed a data source or a device. */
  forget(object: WaylandObject): void {
    for (const [device, source] of this.#guestSelection) {
      if (source === object || device === object) {
        this.#guestSelection.delete(device);
      }
    }
    this.#hostSelection.delete(object);
  }

  /**
   * The keys that type C and V on `keyboard`'s keymap (xkb_keys.ts); a
   * letter the keymap does not have keeps its US position.
   */
  keymap(
    keyboard: WaylandObject,
    keys: { copy?: number; paste?: number },
  ): void {
    this.#chordKeys.set(keyboard, {
      copy: keys.copy ?? KEY_C,
      paste: keys.paste ?? KEY_V,
    });
  }

  /** wl_keyboard.modifiers. */
  modifiers(keyboard: WaylandObject, depressed: number, latched: number): void {
    this.#modifiers.set(keyboard, depressed | latched);
  }

  /**
   * wl_keyboard.key; returns whether the guest gets it. A chord acts on
   * its press; its press and release never reach the guest.
   */
  key(
    keyboard: WaylandObject,
    serial: number,
    key: number,
    pressed: boolean,
  ): boolean {
    const swallowed = this.#swallowedKeys.get(keyboard) ?? new Set<number>();
    this.#swallowedKeys.set(keyboard, swallowed);
    if (!pressed) return !swallowed.delete(key);
    const chord = this.#chordKeys.get(keyboard) ??
      { copy: KEY_C, paste: KEY_V };
    if (
      this.#mode !== "explicit" || (key !== chord.copy && key !== chord.paste)
    ) {
      return true;
    }
    const held = (this.#modifiers.get(keyboard) ?? 0) & ~(CAPS_LOCK | NUM_LOCK);
    if (held !== (SHIFT | CONTROL)) return true;
    swallowed.add(key);
    if (key === chord.paste) this.#pasteFromHost();
    else this.#copyToHost(serial);
    return false;
  }

  /** Ctrl+Shift+V: the host's selections, as they are now, to the guest. */
  #pasteFromHost(): void {
    for (const [device, held] of this.#hostSelection) {
      const offer = held ? this.#reveal(held) : undefined;
      this.#wire.event(device, "selection", [offer?.clientId ?? 0]);
    }
  }

  /** Ctrl+Shift+C: the guest's selections to the host. */
  #copyToHost(serial: number): void {
    for (const [device, source] of this.#guestSelection) {
      this.#wire.request(device, "set_selection", [
        source?.serverId ?? 0,
        serial,
      ]);
    }
  }

  /** Hands a held offer to the guest: its data_offer event, then its events. */
  #reveal(held: HeldOffer): WaylandObject {
    if (held.offer.owner === "client") return held.offer;
    const offer = this.#wire.objects.reveal(held.offer);
    held.offer = offer;
    this.#wire.event(held.device, "data_offer", [offer.clientId!]);
    for (const { name, args } of held.events) {
      this.#wire.event(offer, name, args);
    }
    return offer;
  }

  /** An offer the guest will never see goes back to the compositor. */
  #drop(held: HeldOffer): void {
    this.#wire.request(held.offer, "destroy", []);
    this.#wire.objects.destroyed(held.offer);
  }
}
