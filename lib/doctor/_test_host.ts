/**
 * Test support: a host with nothing on it, for checks to look at.
 *
 * @module
 */
import type { DoctorHost } from "./check.ts";

/**
 * A host with an empty PATH, no devices, no proc files and no C headers,
 * whose probe guest must not be booted; `overrides` put things back.
 */
export function bareHost(overrides: Partial<DoctorHost> = {}): DoctorHost {
  return {
    path: "/nonexistent",
    uid: 1000,
    gid: 1000,
    files: {
      kvm: "/nonexistent/kvm",
      vhostVsock: "/nonexistent/vhost-vsock",
      tun: "/nonexistent/tun",
      mounts: "/nonexistent/mounts",
      meminfo: "/nonexistent/meminfo",
    },
    includeDirs: ["/nonexistent"],
    readSystemFile: (path) => Deno.readTextFile(path).catch(() => undefined),
    probeGuest: () => {
      throw new Error("no probe expected");
    },
    ...overrides,
  };
}
