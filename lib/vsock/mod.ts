/**
 * A user-space virtio-vsock device for micro VMs: QEMU's
 * `vhost-user-vsock-device` talks to it over a UNIX socket, so VMs get
 * vsock without /dev/vhost-vsock. Start one back-end per VM before QEMU
 * (which connects as a client), give it the VM's services, dispose it
 * when the VM is gone (or await `ended`: it ends when QEMU does).
 *
 * ```ts
 * await using backend = await startVsockBackend({
 *   socketPath: `${runtimeDir}/vsock.sock`,
 *   connectPath: `${runtimeDir}/vsock.connect`,
 *   guestCid: 3,
 *   services: new Map([[7000, waypipeSocket], [7001, pulseSocket]]),
 * });
 * // qemuArgs({ ..., vsock: { kind: "user", socket: `${runtimeDir}/vsock.sock` } })
 * const conn = await connectToGuest(`${runtimeDir}/vsock.connect`, 5000);
 * ```
 *
 * @module
 */
export {
  type BackendEvent,
  connectToGuest,
  startVsockBackend,
  type VsockBackend,
  VsockBackendError,
  type VsockBackendOptions,
} from "./backend.ts";
export type { MuxEvent } from "./vsock_mux.ts";
