/**
 * The launch spec: what the guest init runs, as whom, with which services.
 * The host sends it over the control port as a file the guest's `/bin/sh`
 * sources, so every value is single-quoted here and nowhere else.
 *
 * @module
 */
import {
  SERVICE_PORTS,
  type ServiceName,
  type ServicePorts,
  WAYPIPE_COMPRESS,
} from "./ports.ts";

/** First word of the frame header the guest init expects. */
export const LAUNCH_SPEC_MAGIC = "qubesify-launch-spec";

/** Everything the guest needs to start the app. */
export interface LaunchSpec {
  /** Guest host name (the VM's name). */
  hostname: string;
  /** Unprivileged user the app runs as; created on first boot. */
  user: string;
  /** Program and arguments. */
  argv: readonly string[];
  /** Extra environment for the app. */
  env: Readonly<Record<string, string>>;
  /** Whether the app's windows go through waypipe. */
  display: "wayland" | "none";
  /** Whether a pulse socket is forwarded to the host. */
  audio: "none" | "playback" | "duplex";
  /**
   * The host ports the guest dials per service: its CID's block on the
   * kernel's vsock (`vmServicePorts`); default the well-known
   * `SERVICE_PORTS` (its own vsock back-end).
   */
  ports?: ServicePorts;
  /** waypipe compression, identical on both ends (see DESIGN.md). */
  waypipeCompress?: string;
  /** Replaces the image's resolv.conf (networks other than QEMU's user NAT). */
  nameserver?: string;
  /**
   * The guest's only way out is the egress proxy: a forwarder on
   * 127.0.0.1:3128 in the guest connects to the egress service port.
   */
  egressProxy?: boolean;
  /**
   * Files the init writes (as root, mode 0644) before the app starts, by
   * absolute path: e.g. the proxy settings for apt, git and ssh.
   */
  files?: Readonly<Record<string, string>>;
  /**
   * Serial of the persistent disk the init mounts on the user's home
   * (`persist: home`); none: the home lives in RAM like everything else.
   */
  homeDiskSerial?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const GUEST_PATH = /^\/[^\0]*[^/]$/;
const HOSTNAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Quotes `value` for POSIX sh: `it's` becomes `'it'\''s'`. */
export function shellQuote(value: string): string {
  if (value.includes("\0")) {
    throw new RangeError("a launch spec value cannot contain a NUL byte");
  }
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Renders the spec as the text the guest init sources. */
export function encodeLaunchSpec(spec: LaunchSpec): string {
  if (spec.argv.length === 0) throw new RangeError("the app needs a command");
  if (!HOSTNAME.test(spec.hostname)) {
    throw new RangeError(`"${spec.hostname}" is not a valid host name`);
  }
  const ports = spec.ports ?? SERVICE_PORTS;
  const lines = [
    "# qubesify launch spec v1",
    `QUBESIFY_HOSTNAME=${shellQuote(spec.hostname)}`,
    `QUBESIFY_USER=${shellQuote(spec.user)}`,
    `QUBESIFY_DISPLAY=${shellQuote(spec.display)}`,
    `QUBESIFY_AUDIO=${shellQuote(spec.audio)}`,
    `QUBESIFY_WAYLAND_PORT=${port(ports, "wayland")}`,
    `QUBESIFY_AUDIO_PORT=${port(ports, "audio")}`,
    `QUBESIFY_EGRESS_PORT=${port(ports, "egress")}`,
    `QUBESIFY_CONTROL_PORT=${port(ports, "control")}`,
    `QUBESIFY_WAYPIPE_COMPRESS=${
      shellQuote(spec.waypipeCompress ?? WAYPIPE_COMPRESS)
    }`,
    `QUBESIFY_NAMESERVER=${shellQuote(spec.nameserver ?? "")}`,
    `QUBESIFY_EGRESS=${shellQuote(spec.egressProxy ? "proxy" : "none")}`,
    `QUBESIFY_HOME_DISK=${shellQuote(spec.homeDiskSerial ?? "")}`,
    "qubesify_write_files() {",
    "  :",
  ];
  for (const [path, content] of Object.entries(spec.files ?? {})) {
    if (!GUEST_PATH.test(path) || path.split("/").includes("..")) {
      throw new RangeError(
        `"${path}" is not an absolute guest path without ".." parts`,
      );
    }
    const dir = path.slice(0, path.lastIndexOf("/")) || "/";
    lines.push(
      `  mkdir -p ${shellQuote(dir)}`,
      `  printf '%s' ${shellQuote(content)} >${shellQuote(path)}`,
      `  chmod 0644 ${shellQuote(path)}`,
    );
  }
  lines.push("}", "qubesify_app_env() {", "  :");
  for (const [name, value] of Object.entries(spec.env)) {
    if (!ENV_NAME.test(name)) {
      throw new RangeError(
        `"${name}" is not a valid environment variable name`,
      );
    }
    lines.push(`  export ${name}=${shellQuote(value)}`);
  }
  lines.push("}", `set -- ${spec.argv.map(shellQuote).join(" ")}`, "");
  return lines.join("\n");
}

/** `ports[service]`, checked: a vsock port, not "any" (2^32 - 1). */
function port(ports: ServicePorts, service: ServiceName): number {
  const value = ports[service];
  if (!Number.isInteger(value) || value < 1 || value > 0xffff_fffe) {
    throw new RangeError(`${value} is no vsock port (${service})`);
  }
  return value;
}

/**
 * Frames an encoded spec for the control port: a header line
 * `qubesify-launch-spec v1 <bytes>` and then exactly that many bytes, so the
 * guest needs no end marker that a value could contain.
 */
export function frameLaunchSpec(text: string): Uint8Array {
  const body = new TextEncoder().encode(text);
  const header = new TextEncoder().encode(
    `${LAUNCH_SPEC_MAGIC} v1 ${body.length}\n`,
  );
  const frame = new Uint8Array(header.length + body.length);
  frame.set(header);
  frame.set(body, header.length);
  return frame;
}
