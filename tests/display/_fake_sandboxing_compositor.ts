/**
 * A stand-in compositor that offers wp_security_context_manager_v1 (none
 * here does: sway 1.7, mutter 43 and weston 10 predate it), for the guard's
 * security context test. It serves one management connection, then one
 * connection on the listening socket it was handed, telling that client
 * the metadata it got, and exits when the close fd hangs up.
 *
 * Usage: deno run -A _fake_sandboxing_compositor.ts SOCKET [--no-manager]
 *
 * @module
 */
import {
  openFdApi,
  openFdPassingApi,
  openSocketApi,
} from "../../lib/ffi/mod.ts";
import {
  type ArgValue,
  decodeArgs,
  encodeMessage,
  HEADER_SIZE,
  protocolInterface,
  readHeader,
} from "../../lib/display/mod.ts";

const [path, flag] = Deno.args;
const offerManager = flag !== "--no-manager";
using sockets = openSocketApi();
using passing = openFdPassingApi();
using fds = openFdApi();
const listener = sockets.socket("unix");
sockets.bind(listener, { family: "unix", path });
sockets.listen(listener, 4);
console.log("ready");
const client = sockets.accept(listener)!.fd;
const objects = new Map<number, string>([[1, "wl_display"]]);
const metadata: Record<string, string> = {};
let handed: { listen: number; close: number } | undefined;
let committed = false;
let pending: Uint8Array = new Uint8Array(0);
const queue: number[] = [];

function send(id: number, name: string, args: ArgValue[]) {
  const spec = protocolInterface(objects.get(id)!)!;
  const opcode = spec.events.findIndex((m) => m.name === name);
  passing.send(
    client,
    encodeMessage(id, opcode, spec.events[opcode], args).bytes,
  );
}

const buffer = new Uint8Array(4096);
serve: for (;;) {
  const received = passing.receive(client, buffer)!;
  if (received.length === 0) break;
  queue.push(...received.fds);
  const joined = new Uint8Array(pending.length + received.length);
  joined.set(pending);
  joined.set(buffer.subarray(0, received.length), pending.length);
  let offset = 0;
  for (;;) {
    const header = readHeader(joined, offset);
    if (!header || offset + header.size > joined.length) break;
    const iface = objects.get(header.objectId)!;
    const spec = protocolInterface(iface)!.requests[header.opcode];
    const args = decodeArgs(
      spec,
      joined.subarray(offset + HEADER_SIZE, offset + header.size),
      queue,
    );
    offset += header.size;
    spec.args.forEach((arg, i) => {
      if (arg.type === "new_id" && arg.interface) {
        objects.set(args[i] as number, arg.interface);
      }
      if (arg.type === "new_id" && !arg.interface) {
        const bound = args[i] as { interface: string; id: number };
        objects.set(bound.id, bound.interface);
      }
    });
    switch (`${iface}.${spec.name}`) {
      case "wl_display.get_registry":
        send(args[0] as number, "global", [1, "wl_compositor", 4]);
        if (offerManager) {
          send(args[0] as number, "global", [
            2,
            "wp_security_context_manager_v1",
            1,
          ]);
        }
        break;
      case "wl_display.sync":
        send(args[0] as number, "done", [0]);
        if (committed || !offerManager) break serve;
        break;
      case "wp_security_context_manager_v1.create_listener":
        handed = { listen: args[1] as number, close: args[2] as number };
        break;
      case "wp_security_context_v1.set_sandbox_engine":
      case "wp_security_context_v1.set_app_id":
      case "wp_security_context_v1.set_instance_id":
        metadata[spec.name.slice(4)] = args[0] as string;
        break;
      case "wp_security_context_v1.commit":
        committed = true;
        break;
    }
  }
  pending = joined.slice(offset);
}
if (handed) {
  const sandboxed = sockets.accept(handed.listen)!.fd;
  passing.send(
    sandboxed,
    new TextEncoder().encode(
      `sandboxed ${metadata.sandbox_engine} ${metadata.app_id} ${metadata.instance_id}\n`,
    ),
  );
  fds.close(sandboxed);
  // Until the guard lets go: its end of the pipe closes.
  fds.read(handed.close, new Uint8Array(1));
  console.log("released");
}
