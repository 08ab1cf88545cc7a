/**
 * The shape of one doctor check and its outcome.
 *
 * @module
 */
import type { GuestProbeOptions, GuestProbeResult } from "../vm/mod.ts";

/** Install or fix commands for the two supported host families. */
export interface Fix {
  /** Fedora Silverblue (rpm-ostree) or any Fedora. */
  fedora: string;
  /** Debian and derivatives. */
  debian: string;
}

/**
 * What a check found: `ok`, `degraded` (works, with a limitation worth
 * knowing) or `missing` (does not work).
 */
export type Finding = "ok" | "degraded" | "missing";

/** The outcome of one check before requirements are applied. */
export interface CheckOutcome {
  /** Stable identifier (`qemu`, `kvm`, …). */
  id: string;
  /** What was checked, for people. */
  title: string;
  /** The finding. */
  finding: Finding;
  /** One line: the version found, or what is wrong. */
  detail: string;
  /** How to fix a degraded or missing finding. */
  fix?: Fix;
}

/** Everything a check may look at; tests substitute fakes. */
export interface DoctorHost {
  /** PATH to search for programs. */
  path: string;
  /** `$XDG_RUNTIME_DIR`, where the Wayland and pulse sockets live. */
  runtimeDir?: string;
  /** `$WAYLAND_DISPLAY` (a name in the runtime dir, or an absolute path). */
  waylandDisplay?: string;
  /** The user's uid (rootless builds need newuidmap). */
  uid: number;
  /** The user's primary gid, for device permission bits. */
  gid: number;
  /** Device and proc files, overridable for tests. */
  files: {
    kvm: string;
    vhostVsock: string;
    tun: string;
    mounts: string;
    meminfo: string;
  };
  /** Reads /proc and /sys files (undefined when unreadable). */
  readSystemFile(path: string): Promise<string | undefined>;
  /** Directories searched for C headers. */
  includeDirs?: string[];
  /** Boots a probe guest (see {@linkcode probeGuest}). */
  probeGuest(
    options: Omit<GuestProbeOptions, "timeoutMs">,
  ): Promise<GuestProbeResult>;
}
