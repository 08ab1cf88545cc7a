/**
 * Who may reach what: the pure core of the dispatcher. A connection comes
 * from a CID (the kernel's word, or the forwarder's header) to a service
 * port, well-known or in a CID's own block (see lib/guest/ports.ts); it is
 * allowed only when the port is not another CID's, exactly one known VM
 * has that CID, and that VM's services name a socket for the port's
 * service. Everything else is denied, with a reason for the log.
 *
 * @module
 */

import type { ServiceName } from "../guest/mod.ts";
import { portBlockOwner, SERVICE_PORTS } from "../guest/mod.ts";

/** What one VM may reach. */
export interface VmAccess {
  /** VM name, for the log. */
  readonly name: string;
  /** Its vsock CID. */
  readonly cid: number;
  /** Host UNIX socket per service it may use; absent services are denied. */
  readonly services: Readonly<Partial<Record<ServiceName, string>>>;
}

/** A connection to decide on. */
export interface AccessRequest {
  /** The peer's CID. */
  readonly cid: number;
  /** The vsock port it connected to. */
  readonly port: number;
}

/** The verdict on an {@linkcode AccessRequest}. */
export type AccessDecision =
  | {
    readonly allow: true;
    /** The VM the CID belongs to. */
    readonly vm: string;
    /** The service of the port. */
    readonly service: ServiceName;
    /** The socket to connect to. */
    readonly path: string;
  }
  | {
    readonly allow: false;
    /** Why, in words for the log. */
    readonly reason: string;
    /** The VM, when the CID was known. */
    readonly vm?: string;
    /** The service, when the port was one. */
    readonly service?: ServiceName;
  };

const SERVICE_BY_PORT: ReadonlyMap<number, ServiceName> = new Map(
  Object.entries(SERVICE_PORTS).map((
    [name, port],
  ) => [port, name as ServiceName]),
);

/**
 * The service of vsock `port`, if any: a well-known service port, or one
 * in a CID's block (see lib/guest/ports.ts).
 */
export function serviceOfPort(port: number): ServiceName | undefined {
  return SERVICE_BY_PORT.get(port) ?? portBlockOwner(port)?.service;
}

/** Decides `request` against the known `vms`; default deny. */
export function decideAccess(
  request: AccessRequest,
  vms: readonly VmAccess[],
): AccessDecision {
  const service = serviceOfPort(request.port);
  if (!service) {
    return {
      allow: false,
      reason: `port ${request.port} is no qubesify service`,
    };
  }
  const blockOwner = portBlockOwner(request.port)?.cid;
  if (blockOwner !== undefined && blockOwner !== request.cid) {
    // Another VM dialling this one's ports: a spoof, or a confused guest.
    return {
      allow: false,
      reason:
        `port ${request.port} is CID ${blockOwner}'s, not CID ${request.cid}'s`,
      service,
    };
  }
  const owners = vms.filter((vm) => vm.cid === request.cid);
  if (owners.length === 0) {
    return { allow: false, reason: `unknown CID ${request.cid}`, service };
  }
  if (owners.length > 1) {
    // Two records claiming one CID means one of them is stale or forged;
    // neither can be trusted to be the peer.
    return {
      allow: false,
      reason: `CID ${request.cid} is claimed by several VMs (${
        owners.map((vm) => vm.name).join(", ")
      })`,
      service,
    };
  }
  const vm = owners[0];
  const path = vm.services[service];
  if (!path) {
    return {
      allow: false,
      reason: `VM ${vm.name} may not use ${service}`,
      vm: vm.name,
      service,
    };
  }
  return { allow: true, vm: vm.name, service, path };
}
