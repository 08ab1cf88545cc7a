/**
 * What a guest needs to send its traffic through the egress proxy, which
 * it reaches at a local address (by default 127.0.0.1:3128, forwarded to
 * the host's per-VM proxy): environment variables, an apt configuration, a
 * git configuration and an ssh configuration whose ProxyCommand tunnels
 * through CONNECT with netcat-openbsd.
 *
 * @module
 */

/** A file the guest init writes. */
export interface GuestProxyFile {
  /** Absolute path in the guest. */
  path: string;
  /** The whole content. */
  content: string;
}

/** The proxy configuration for one guest. */
export interface GuestProxyConfig {
  /** Variables for every process of the guest. */
  environment: Record<string, string>;
  /** Files for apt, git and ssh. */
  files: GuestProxyFile[];
}

/** Where the guest reaches the proxy. */
export interface GuestProxyOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 3128. */
  port?: number;
}

/** Renders the guest's proxy environment and configuration files. */
export function renderGuestProxyConfig(
  options: GuestProxyOptions = {},
): GuestProxyConfig {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 3128;
  if (!/^[0-9a-z.:-]+$/i.test(host)) {
    throw new Error(`proxy host "${host}" must be an address or host name`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`proxy port ${port} must be from 1 to 65535`);
  }
  const authority = host.includes(":")
    ? `[${host}]:${port}`
    : `${host}:${port}`;
  const url = `http://${authority}`;
  // Local names never go through the proxy (it would refuse them anyway).
  const noProxy = "localhost,127.0.0.1,::1";
  return {
    environment: {
      http_proxy: url,
      https_proxy: url,
      HTTP_PROXY: url,
      HTTPS_PROXY: url,
      no_proxy: noProxy,
      NO_PROXY: noProxy,
    },
    files: [
      {
        path: "/etc/apt/apt.conf.d/80qubesify-proxy",
        content: `Acquire::http::Proxy "${url}";\n` +
          `Acquire::https::Proxy "${url}";\n`,
      },
      {
        path: "/etc/gitconfig",
        content: `[http]\n\tproxy = ${url}\n`,
      },
      {
        path: "/etc/ssh/ssh_config.d/80-qubesify-proxy.conf",
        content: "Host *\n" +
          `\tProxyCommand nc -X connect -x ${authority} %h %p\n`,
      },
    ],
  };
}
