/**
 * The guest contract: everything host and guest agree on, in one leaf
 * module that imports nothing of ours. The vsock service ports (the
 * well-known ones and each CID's own block) and the split topology's
 * forward port, the names the guest finds its control
 * port, home disk and init by, the launch spec the host sends, and the
 * init script itself.
 *
 * @example
 * ```ts
 * import { encodeLaunchSpec, frameLaunchSpec, SERVICE_PORTS } from "./mod.ts";
 * const frame = frameLaunchSpec(encodeLaunchSpec({
 *   hostname: "smoke-1",
 *   user: "user",
 *   argv: ["echo", "hello"],
 *   env: {},
 *   display: "none",
 *   audio: "none",
 * }));
 * console.log(SERVICE_PORTS.wayland, frame.length);
 * ```
 *
 * @module
 */
export { readGuestInit } from "./init_script.ts";
export {
  encodeLaunchSpec,
  frameLaunchSpec,
  LAUNCH_SPEC_MAGIC,
  type LaunchSpec,
  shellQuote,
} from "./launch_spec.ts";
export { CONTROL_PORT_NAME, GUEST_INIT, HOME_DISK_SERIAL } from "./names.ts";
export {
  hasPortBlock,
  portBlockOwner,
  RELAY_FORWARD_PORT,
  SERVICE_PORTS,
  type ServiceName,
  type ServicePorts,
  VM_PORT_BASE,
  VM_PORT_BLOCK,
  VM_PORTS_FIRST_CID,
  VM_PORTS_LAST_CID,
  vmServicePorts,
  WAYPIPE_COMPRESS,
} from "./ports.ts";
