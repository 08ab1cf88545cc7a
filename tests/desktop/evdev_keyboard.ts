/**
 * A keyboard that sends the key codes a physical one sends. `wtype`
 * numbers the keys of its keymap in the order it first types them (its
 * first key is code 1, whatever the key), so a program that knows a key
 * by its evdev code, as the display guard knows its Ctrl+Shift+V and
 * Ctrl+Shift+C chords, never sees one from wtype. This keyboard is a
 * virtual keyboard (`zwp_virtual_keyboard_v1`, which sway offers) whose
 * keymap puts every key at its evdev code, as the `us` layout of a real
 * keyboard does; it stays on the seat until disposed.
 *
 * ```ts
 * await using sway = await startSway();
 * await using keyboard = await startEvdevKeyboard(sway.env);
 * await keyboard.press("ctrl", "shift", "v");
 * ```
 *
 * @module
 */
import { join } from "node:path";
import {
  type ArgType,
  type ArgValue,
  createShmFile,
  decodeArgs,
  encodeMessage,
  HEADER_SIZE,
  type MessageSpec,
  protocolInterface,
  readHeader,
} from "../../lib/display/mod.ts";
import {
  type FdApi,
  type FdPassingApi,
  openFdApi,
  openFdPassingApi,
  openSocketApi,
} from "../../lib/ffi/mod.ts";
import type { ClientEnv } from "./run_client.ts";
import { concatBytes } from "../../lib/io/mod.ts";

/** A key: evdev code, keysyms, and for a modifier its bit and xkb name. */
interface KeySpec {
  code: number;
  symbols: string;
  modifier?: number;
  map?: string;
}

/** A key of {@linkcode EvdevKeyboard}. */
export type EvdevKey = "shift" | "ctrl" | "c" | "v" | "return" | "paste";

/** The keys it has. */
const KEYS: Record<EvdevKey, KeySpec> = {
  shift: { code: 42, symbols: "Shift_L", modifier: 1 << 0, map: "Shift" },
  ctrl: { code: 29, symbols: "Control_L", modifier: 1 << 2, map: "Control" },
  c: { code: 46, symbols: "c, C" },
  v: { code: 47, symbols: "v, V" },
  return: { code: 28, symbols: "Return" },
  paste: { code: 135, symbols: "XF86Paste" },
};

/** A virtual keyboard on a compositor's seat; disposing removes it. */
export interface EvdevKeyboard extends AsyncDisposable {
  /**
   * Presses `keys` in order and releases them in reverse order, as a
   * person presses one key or a chord, then waits until the compositor
   * has them.
   */
  press(...keys: EvdevKey[]): Promise<void>;
}

/** The xkb keymap of {@linkcode KEYS}: xkb key codes are evdev's plus 8. */
export function evdevKeymap(): string {
  const keys = Object.values(KEYS);
  return [
    "xkb_keymap {",
    '  xkb_keycodes "qubesify" {',
    "    minimum = 8;",
    "    maximum = 255;",
    ...keys.map((key) => `    <K${key.code}> = ${key.code + 8};`),
    "  };",
    '  xkb_types "qubesify" { include "complete" };',
    '  xkb_compatibility "qubesify" { include "complete" };',
    '  xkb_symbols "qubesify" {',
    ...keys.map((key) => `    key <K${key.code}> { [ ${key.symbols} ] };`),
    ...keys.flatMap((key) =>
      key.map ? [`    modifier_map ${key.map} { <K${key.code}> };`] : []
    ),
    "  };",
    "};",
    "",
  ].join("\n");
}

/** A request: its opcode and signature. */
interface Request {
  opcode: number;
  spec: MessageSpec;
}

/** A request of wlroots' virtual keyboard protocol (not in the guard's table). */
function request(
  opcode: number,
  name: string,
  args: [string, ArgType, string?][],
): Request {
  return {
    opcode,
    spec: {
      name,
      args: args.map(([arg, type, iface]) => ({
        name: arg,
        type,
        interface: iface,
        nullable: false,
      })),
      since: 1,
      destructor: name === "destroy",
    },
  };
}

/** zwp_virtual_keyboard_manager_v1.create_virtual_keyboard. */
const CREATE_VIRTUAL_KEYBOARD = request(0, "create_virtual_keyboard", [
  ["seat", "object", "wl_seat"],
  ["id", "new_id", "zwp_virtual_keyboard_v1"],
]);
/** zwp_virtual_keyboard_v1's requests. */
const KEYMAP = request(0, "keymap", [
  ["format", "uint"],
  ["fd", "fd"],
  ["size", "uint"],
]);
const KEY = request(1, "key", [
  ["time", "uint"],
  ["key", "uint"],
  ["state", "uint"],
]);
const MODIFIERS = request(2, "modifiers", [
  ["mods_depressed", "uint"],
  ["mods_latched", "uint"],
  ["mods_locked", "uint"],
  ["group", "uint"],
]);
const DESTROY = request(3, "destroy", []);
/** wl_keyboard's keymap format: an xkb text keymap. */
const XKB_V1 = 1;

const DISPLAY_ID = 1;

/**
 * Puts an evdev keyboard on the seat of the compositor `env` names; fails
 * when the compositor offers no virtual keyboards.
 */
export async function startEvdevKeyboard(
  env: ClientEnv,
  options: { timeoutMs?: number } = {},
): Promise<EvdevKeyboard> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const path = env.WAYLAND_DISPLAY.startsWith("/")
    ? env.WAYLAND_DISPLAY
    : join(env.XDG_RUNTIME_DIR, env.WAYLAND_DISPLAY);
  const connection = RawConnection.open(path);
  let keyboard: number;
  try {
    const registry = connection.getRegistry();
    const globals = await connection.roundTrip(timeoutMs);
    const bind = (name: string, version: number) => {
      const global = globals.find((g) => g.interface === name);
      if (!global) throw new Error(`the compositor offers no ${name}`);
      const id = connection.newId();
      connection.send(registry, core("wl_registry", "bind"), [
        global.name,
        { interface: name, version, id },
      ]);
      return id;
    };
    const seat = bind("wl_seat", 1);
    const manager = bind("zwp_virtual_keyboard_manager_v1", 1);
    keyboard = connection.newId();
    connection.send(manager, CREATE_VIRTUAL_KEYBOARD, [
      seat,
      keyboard,
    ]);
    const keymap = new TextEncoder().encode(`${evdevKeymap()}\0`);
    using file = createShmFile({ size: keymap.length });
    try {
      file.write(0, keymap);
      connection.send(keyboard, KEYMAP, [
        XKB_V1,
        file.fd,
        keymap.length,
      ]);
    } finally {
      connection.fds.close(file.fd);
    }
    await connection.roundTrip(timeoutMs);
  } catch (error) {
    connection.close();
    throw error;
  }
  const started = Date.now();
  let held = 0;
  const send = (message: Request, args: number[]) =>
    connection.send(keyboard, message, args);
  const key = (name: EvdevKey, pressed: boolean) => {
    const { code } = KEYS[name];
    send(KEY, [(Date.now() - started) >>> 0, code, pressed ? 1 : 0]);
    const modifier = KEYS[name].modifier;
    if (!modifier) return;
    held = pressed ? held | modifier : held & ~modifier;
    send(MODIFIERS, [held, 0, 0, 0]);
  };
  return {
    async press(...keys) {
      for (const name of keys) key(name, true);
      for (const name of [...keys].reverse()) key(name, false);
      await connection.roundTrip(timeoutMs);
    },
    async [Symbol.asyncDispose]() {
      try {
        send(DESTROY, []);
        await connection.roundTrip(timeoutMs);
      } finally {
        connection.close();
      }
    },
  };
}

/** A message of the core protocol, by interface and request name. */
function core(iface: string, name: string): Request {
  const requests = protocolInterface(iface)!.requests;
  const index = requests.findIndex((spec) => spec.name === name);
  return { opcode: index, spec: requests[index] };
}

/** A global the registry announced. */
interface Global {
  name: number;
  interface: string;
}

/**
 * The client's end of one Wayland connection, without libwayland: it
 * sends requests and reads events only in round trips, decoding those of
 * the display, the registry and its sync callbacks and skipping the rest.
 */
class RawConnection {
  readonly fds: FdApi;
  #fd: number;
  #passing: FdPassingApi;
  #pending: Uint8Array = new Uint8Array(0);
  /** libwayland-server takes new ids only in order: the next is this. */
  #nextId = DISPLAY_ID + 1;
  #registry = 0;

  private constructor(fd: number, fds: FdApi, passing: FdPassingApi) {
    this.#fd = fd;
    this.fds = fds;
    this.#passing = passing;
  }

  /** Connects to the socket at `path`. */
  static open(path: string): RawConnection {
    using sockets = openSocketApi();
    const fds = openFdApi();
    const fd = sockets.socket("unix", { nonblocking: true });
    try {
      sockets.connect(fd, { family: "unix", path });
    } catch (error) {
      fds.close(fd);
      fds[Symbol.dispose]();
      throw error;
    }
    return new RawConnection(fd, fds, openFdPassingApi());
  }

  /** A new object's id. */
  newId(): number {
    return this.#nextId++;
  }

  /** wl_display.get_registry: the registry's id; round trips gather its globals. */
  getRegistry(): number {
    this.#registry = this.newId();
    this.send(DISPLAY_ID, core("wl_display", "get_registry"), [this.#registry]);
    return this.#registry;
  }

  /** Sends a request; its fds go with its first byte. */
  send(objectId: number, message: Request, args: ArgValue[]): void {
    const encoded = encodeMessage(objectId, message.opcode, message.spec, args);
    let sent = 0;
    let fds = encoded.fds;
    while (sent < encoded.bytes.length) {
      const count = this.#passing.send(
        this.#fd,
        encoded.bytes.subarray(sent),
        fds,
      );
      // A few small requests never fill the socket of a compositor that reads.
      if (count === undefined) {
        throw new Error("the compositor stopped reading");
      }
      sent += count;
      fds = [];
    }
  }

  /**
   * Sends wl_display.sync and reads until its done event: the globals
   * announced meanwhile. A protocol error is thrown.
   */
  async roundTrip(timeoutMs: number): Promise<Global[]> {
    const callback = this.newId();
    this.send(DISPLAY_ID, core("wl_display", "sync"), [callback]);
    const globals: Global[] = [];
    const deadline = Date.now() + timeoutMs;
    const buffer = new Uint8Array(4096);
    while (true) {
      const got = this.#passing.receive(this.#fd, buffer);
      if (got) {
        got.fds.forEach((fd) => this.fds.close(fd));
        if (got.length === 0) throw new Error("the compositor hung up");
        this.#pending = concatBytes([
          this.#pending,
          buffer.subarray(0, got.length),
        ]);
        if (this.#read(callback, globals)) return globals;
      } else if (Date.now() > deadline) {
        throw new Error("the compositor did not answer wl_display.sync");
      } else {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }

  /** Reads whole events; true once `callback` is done. */
  #read(callback: number, globals: Global[]): boolean {
    let offset = 0;
    let done = false;
    while (true) {
      const header = readHeader(this.#pending, offset);
      if (!header || offset + header.size > this.#pending.length) break;
      const body = this.#pending.subarray(
        offset + HEADER_SIZE,
        offset + header.size,
      );
      offset += header.size;
      if (header.objectId === DISPLAY_ID && header.opcode === 0) {
        const [, code, message] = decode("wl_display", 0, body);
        throw new Error(`Wayland protocol error ${code}: ${message}`);
      }
      if (header.objectId === this.#registry && header.opcode === 0) {
        const [name, iface] = decode("wl_registry", 0, body);
        globals.push({ name: name as number, interface: iface as string });
      }
      if (header.objectId === callback) done = true;
    }
    this.#pending = this.#pending.slice(offset);
    return done;
  }

  /** Closes the connection (the compositor drops what it made). */
  close(): void {
    this.fds.close(this.#fd);
    this.fds[Symbol.dispose]();
    this.#passing[Symbol.dispose]();
  }
}

function decode(iface: string, event: number, body: Uint8Array): ArgValue[] {
  return decodeArgs(protocolInterface(iface)!.events[event], body, []);
}
