/**
 * The vsock ports host and guest agree on.
 *
 * Two schemes, and the launch spec tells the guest which ports it dials:
 *
 * - The well-known service ports ({@linkcode SERVICE_PORTS}, 7000–7003):
 *   a VM on its own vsock back-end (`--vsock user`, which serves that VM
 *   alone), and the split topology's host forwarder.
 * - A port block per CID ({@linkcode vmServicePorts}) for a VM on the
 *   kernel's vsock, where every VM of the machine dials the same host: each
 *   `run` listens on its own VM's block only, so no process serves two VMs
 *   and nothing is shared. Service `i` (wayland 0, audio 1, egress 2,
 *   control 3) of CID `c` is port `VM_PORT_BASE + c * 4 + i`. Blocks are
 *   disjoint (four consecutive ports per CID), start above every
 *   well-known port, and the last port of the last CID with a block,
 *   {@linkcode VM_PORTS_LAST_CID}, stays below 2^32 - 1 (the kernel's "any
 *   port"), so a block never wraps or collides.
 *
 * @module
 */

/** Service ports on the host (CID 2) that the guest connects to. */
export const SERVICE_PORTS = {
  wayland: 7000,
  audio: 7001,
  egress: 7002,
  control: 7003,
} as const;

/**
 * waypipe compression on both ends: host 0.8.4 and guest 0.9.2 talk only
 * with the same `-c` (see DESIGN.md).
 */
export const WAYPIPE_COMPRESS = "lz4";

/** A host service a VM may reach. */
export type ServiceName = keyof typeof SERVICE_PORTS;

/** The host port the guest dials for each service. */
export type ServicePorts = Readonly<Record<ServiceName, number>>;

/**
 * The viewer's vsock port for connections the split topology's forwarder
 * passes on, each opened by a forward header (lib/relay/header.ts).
 */
export const RELAY_FORWARD_PORT = 7100;

/** Where the per-CID port blocks start. */
export const VM_PORT_BASE = 1_000_000;
/** Ports per CID: one per service. */
export const VM_PORT_BLOCK = 4;
/** The lowest CID with a port block (0–2 are hypervisor, local, host). */
export const VM_PORTS_FIRST_CID = 3;
/** The highest CID with a port block: its last port is 4,001,000,003. */
export const VM_PORTS_LAST_CID = 1_000_000_000;

/** Services in block order: a service's offset in its CID's block. */
const BLOCK_ORDER: readonly ServiceName[] = [
  "wayland",
  "audio",
  "egress",
  "control",
];

/** Whether `cid` has a port block. */
export function hasPortBlock(cid: number): boolean {
  return Number.isInteger(cid) && cid >= VM_PORTS_FIRST_CID &&
    cid <= VM_PORTS_LAST_CID;
}

/** The host ports a kernel-vsock VM with `cid` dials; see the module doc. */
export function vmServicePorts(cid: number): ServicePorts {
  if (!hasPortBlock(cid)) {
    throw new RangeError(
      `CID ${cid} has no port block (${VM_PORTS_FIRST_CID} to ${VM_PORTS_LAST_CID})`,
    );
  }
  const first = VM_PORT_BASE + cid * VM_PORT_BLOCK;
  return Object.fromEntries(
    BLOCK_ORDER.map((service, offset) => [service, first + offset]),
  ) as Record<ServiceName, number>;
}

/** Whose block `port` is in, and which service it is; undefined: none's. */
export function portBlockOwner(
  port: number,
): { cid: number; service: ServiceName } | undefined {
  if (!Number.isInteger(port) || port < VM_PORT_BASE) return undefined;
  const cid = Math.floor((port - VM_PORT_BASE) / VM_PORT_BLOCK);
  if (!hasPortBlock(cid)) return undefined;
  return { cid, service: BLOCK_ORDER[(port - VM_PORT_BASE) % VM_PORT_BLOCK] };
}
