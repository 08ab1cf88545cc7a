/**
 * The egress proxy: an allow-listing, logging HTTP(S) forward proxy, its
 * policy decisions, the request log, the guest-side configuration, and
 * the standalone proxy that `qubesify proxy` serves.
 *
 * @module
 */
export * from "./proxy_server.ts";
export * from "./proxy_limits.ts";
export * from "./standalone_proxy.ts";
export * from "./policy.ts";
export * from "./policy_file.ts";
export * from "./policy_paths.ts";
export * from "./blocklist.ts";
export * from "./hosts_file.ts";
export * from "./host_name.ts";
export * from "./host_pattern.ts";
export * from "./ip_address.ts";
export * from "./address_ranges.ts";
export * from "./request_head.ts";
export * from "./request_target.ts";
export * from "./resolver.ts";
export * from "./log_record.ts";
export * from "./log_writer.ts";
export * from "./log_reader.ts";
export * from "./guest_config.ts";
export * from "./default_log.ts";
export * from "./listen_address.ts";
export * from "./forwarded_head.ts";
