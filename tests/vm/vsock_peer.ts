/**
 * The guest side of the user-space vsock tests and bench:
 * guest_programs/vsock_peer.c, compiled static, in a busybox root.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mustRun } from "../must_run.ts";
import { makeBusyboxRoot } from "./busybox_root.ts";

const PEER_SOURCE = fileURLToPath(
  new URL("./guest_programs/vsock_peer.c", import.meta.url),
);

/** Compiles vsock_peer.c statically into `dir`; returns its path. */
async function buildVsockPeer(dir: string): Promise<string> {
  const output = join(dir, "vsock_peer");
  const flags = ["-static", "-O2", "-Wall", "-Werror"];
  await mustRun("gcc", [...flags, "-o", output, PEER_SOURCE]);
  return output;
}

/** A busybox root with /bin/vsock_peer and `init` as the guest init. */
export async function makePeerRoot(
  dir: string,
  init: string,
): Promise<string> {
  return await makeBusyboxRoot({
    dir,
    init,
    programs: { "/bin/vsock_peer": await buildVsockPeer(dir) },
  });
}
