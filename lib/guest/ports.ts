/**
 * The vsock ports host and guest agree on.
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

/**
 * The viewer's vsock port for connections the split topology's forwarder
 * passes on, each opened by a forward header (lib/relay/header.ts).
 */
export const RELAY_FORWARD_PORT = 7100;
