/**
 * The host side of `network: tap`: a bridge, pre-created TAP devices (one
 * per concurrent VM, owned by the user so QEMU needs no privileges), and
 * nftables rules that let VMs reach the internet but neither each other nor
 * the host. Pure: the commands are generated here and run elsewhere.
 *
 * @module
 */

/** Names and addresses of the TAP network. */
export const TAP_NETWORK = {
  bridge: "qsbr0",
  devicePrefix: "qs-tap",
  /** The bridge's address, the guests' gateway. */
  gateway: "10.233.0.1",
  subnet: "10.233.0.0/24",
  netmask: "255.255.255.0",
  /** Guest N (on `qs-tapN`) gets 10.233.0.(firstGuest + N). */
  firstGuest: 10,
  maxDevices: 200,
  /** Guests resolve names here: a public resolver, since the host is off limits. */
  nameserver: "9.9.9.9",
} as const;

/** Ranges a VM must never reach through the bridge: the host's LAN and more. */
const PRIVATE_RANGES = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.168.0.0/16",
];

/** The device name of guest slot `index`. */
export function tapDevice(index: number): string {
  return `${TAP_NETWORK.devicePrefix}${index}`;
}

/** The address a guest on `device` uses, or undefined for foreign names. */
export function guestAddress(device: string): string | undefined {
  const match = new RegExp(`^${TAP_NETWORK.devicePrefix}(\\d{1,3})$`).exec(
    device,
  );
  const index = match ? Number(match[1]) : NaN;
  if (!(index >= 0 && index < TAP_NETWORK.maxDevices)) return undefined;
  return `10.233.0.${TAP_NETWORK.firstGuest + index}`;
}

/** The kernel `ip=` parameter for a guest on `device`. */
export function guestIpParameter(device: string): string {
  const address = guestAddress(device);
  if (!address) throw new RangeError(`${device} is not a qubesify TAP device`);
  return `ip=${address}::${TAP_NETWORK.gateway}:${TAP_NETWORK.netmask}::eth0:off`;
}

/** What `qubesify net setup` does. */
export interface TapSetupPlan {
  /** Commands, in order, as argv arrays. */
  commands: string[][];
  /** The nftables ruleset, loaded with `nft -f`. */
  ruleset: string;
}

/** The setup for `devices` TAP devices owned by `user`. */
export function tapSetupPlan(
  options: { devices: number; user: string },
): TapSetupPlan {
  if (!Number.isInteger(options.devices) || options.devices < 1) {
    throw new RangeError("expected at least one TAP device");
  }
  if (options.devices > TAP_NETWORK.maxDevices) {
    throw new RangeError(
      `at most ${TAP_NETWORK.maxDevices} TAP devices fit the subnet`,
    );
  }
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(options.user)) {
    throw new RangeError(`"${options.user}" is not a user name`);
  }
  const { bridge } = TAP_NETWORK;
  const commands: string[][] = [
    ["ip", "link", "add", bridge, "type", "bridge"],
    ["ip", "address", "add", `${TAP_NETWORK.gateway}/24`, "dev", bridge],
    ["ip", "link", "set", bridge, "up"],
  ];
  for (let index = 0; index < options.devices; index++) {
    const device = tapDevice(index);
    commands.push(
      [
        "ip",
        "tuntap",
        "add",
        "dev",
        device,
        "mode",
        "tap",
        "user",
        options.user,
      ],
      ["ip", "link", "set", device, "master", bridge],
      // Isolated bridge ports cannot talk to each other: VM A never sees VM B.
      ["bridge", "link", "set", "dev", device, "isolated", "on"],
      ["ip", "link", "set", device, "up"],
    );
  }
  commands.push(["sysctl", "-w", "net.ipv4.ip_forward=1"]);
  const ruleset = `table inet qubesify
delete table inet qubesify
table inet qubesify {
  chain input {
    type filter hook input priority filter; policy accept;
    # VMs never reach services on the host itself.
    iifname "${bridge}" drop
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    # Nor the host's networks: only the internet, and only outwards.
    iifname "${bridge}" ip daddr { ${PRIVATE_RANGES.join(", ")} } drop
    iifname "${bridge}" meta nfproto ipv6 drop
    oifname "${bridge}" ct state established,related accept
    oifname "${bridge}" drop
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr ${TAP_NETWORK.subnet} oifname != "${bridge}" masquerade
  }
}
`;
  return { commands, ruleset };
}
