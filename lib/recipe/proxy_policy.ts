/**
 * The egress proxy policy: which hosts and ports a VM may reach. The same
 * shape is a standalone policy file and a recipe's `network.proxy`.
 *
 * @module
 */
import { z } from "zod";
import { closedObject } from "./closed_object.ts";

const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOST_PATTERN = new RegExp(`^(?:\\*\\.)?(?:${LABEL}\\.)*${LABEL}$`);

/** A host pattern: `example.org` (exactly) or `*.example.org` (subdomains). */
export const hostPatternSchema = z.string({ error: "expected a host name" })
  .regex(HOST_PATTERN, {
    error:
      "expected a lowercase host name like example.org or a pattern like *.example.org",
  });

const portSchema = z.number({ error: "expected a port number" }).int({
  error: "expected a whole port number",
}).min(1, { error: "expected a port from 1 to 65535" }).max(65535, {
  error: "expected a port from 1 to 65535",
});

/**
 * One allow rule. Without `ports`, CONNECT may reach port 443 and plain
 * HTTP port 80; any other port (22 for SSH included) must be listed.
 */
export const allowRuleSchema = closedObject({
  host: hostPatternSchema,
  ports: z.array(portSchema, { error: "expected a list of ports like [443]" })
    .min(1, { error: "expected at least one port" }).optional(),
});

const secondsSchema = z.number({ error: "expected a number of seconds" })
  .positive({ error: "expected a positive number of seconds" })
  .max(7 * 24 * 3600, { error: "expected at most a week (604800 seconds)" });

/**
 * A file a policy names: a block list, the hosts file, the request log.
 * A relative path is taken from the config folder (from the policy file's
 * folder for `qubesify proxy --policy`) and may not climb out of it, since
 * a recipe may come from someone else; an absolute path must lie inside
 * the qubesify folders, which is checked where the file is used.
 */
export const policyPathSchema = z.string({ error: "expected a file path" })
  .min(1, { error: "expected a file path" })
  .refine((path) => !/\p{Cc}/u.test(path), {
    error: "expected a file path without control characters",
  })
  .refine((path) => !path.split("/").includes(".."), {
    error:
      "expected a path without .. segments, like blocklists/ads.txt (relative paths are inside the config folder)",
  });

/** Limits on the proxy's connections; absent keys keep the defaults. */
export const proxyLimitsSchema = closedObject({
  connections: z.number({ error: "expected a number of connections" }).int({
    error: "expected a whole number of connections",
  }).min(1, { error: "expected at least 1 connection" }).max(65535, {
    error: "expected at most 65535 connections",
  }).optional(),
  idle_timeout: secondsSchema.optional(),
  total_timeout: secondsSchema.optional(),
}, "expected a mapping like {connections: 64, idle_timeout: 300}");

/**
 * An egress policy: default deny, allow rules, deny patterns, block lists,
 * the request log and connection limits.
 */
export const proxyPolicySchema = closedObject({
  allow: z.array(allowRuleSchema, {
    error: "expected a list of {host, ports} rules",
  }).default([]),
  deny: z.array(hostPatternSchema, {
    error: "expected a list of host patterns",
  })
    .default([]),
  blocklists: z.array(policyPathSchema, {
    error: "expected a list of block list files",
  }).default([]),
  log: policyPathSchema.optional(),
  /** A hosts-format file whose names are pinned, consulted before DNS. */
  hosts: policyPathSchema.optional(),
  limits: proxyLimitsSchema.optional(),
});

/** A validated egress policy. */
export type ProxyPolicy = z.infer<typeof proxyPolicySchema>;
/** Validated connection limits. */
export type ProxyLimits = z.infer<typeof proxyLimitsSchema>;
/** One validated allow rule. */
export type AllowRule = z.infer<typeof allowRuleSchema>;
