/**
 * The static policy of the split topology's viewer: which VM (by the CID
 * the host forwarder reports) may reach which service, and at which UNIX
 * socket in the viewer. YAML (JSON is YAML too):
 *
 * ```yaml
 * vms:
 *   - name: work
 *     cid: 5
 *     services:
 *       wayland: /run/user/1000/qubesify/work/wayland.sock
 *       audio: /run/user/1000/pulse/native
 * ```
 *
 * A service left out is denied; so is every CID not listed.
 *
 * @module
 */

import { isAbsolute } from "node:path";
import { parse, YAMLParseError } from "yaml";
import { z } from "zod";
import { FIRST_GUEST_CID, LAST_GUEST_CID } from "./header.ts";
import type { VmAccess } from "./policy.ts";
import { QubesifyError } from "../errors/mod.ts";

const SOCKET_PATH = z.string().refine(isAbsolute, {
  message: "must be an absolute socket path",
});

const POLICY_SCHEMA = z.strictObject({
  vms: z.array(z.strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, {
      message: "must be lowercase letters, digits and dashes",
    }),
    cid: z.number().int().min(FIRST_GUEST_CID, {
      message: `must be a guest CID (${FIRST_GUEST_CID} or more)`,
    }).max(LAST_GUEST_CID),
    services: z.strictObject({
      wayland: SOCKET_PATH.optional(),
      audio: SOCKET_PATH.optional(),
      egress: SOCKET_PATH.optional(),
      control: SOCKET_PATH.optional(),
    }),
  })),
});

/** A policy file that cannot be used; the message says where and why. */
export class PolicyFileError extends QubesifyError {
  /** `source` names the file; `message` what to fix. */
  constructor(source: string, message: string) {
    super(`${source}: ${message}`);
  }
}

/** Parses policy `text`; `source` names it in errors (a file path). */
export function parsePolicy(text: string, source: string): VmAccess[] {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const at = error.linePos?.[0];
      throw new PolicyFileError(
        at ? `${source}:${at.line}:${at.col}` : source,
        error.message.split("\n")[0],
      );
    }
    throw error;
  }
  const parsed = POLICY_SCHEMA.safeParse(document ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.map((part) =>
      typeof part === "number" ? `[${part}]` : `.${String(part)}`
    ).join("").replace(/^\./, "");
    throw new PolicyFileError(
      source,
      `${where || "top level"}: ${issue.message}`,
    );
  }
  const vms = parsed.data.vms;
  for (const [index, vm] of vms.entries()) {
    const earlier = vms.slice(0, index);
    if (earlier.some((other) => other.cid === vm.cid)) {
      throw new PolicyFileError(
        source,
        `vms[${index}].cid: CID ${vm.cid} is listed twice`,
      );
    }
    if (earlier.some((other) => other.name === vm.name)) {
      throw new PolicyFileError(
        source,
        `vms[${index}].name: ${vm.name} is listed twice`,
      );
    }
  }
  return vms;
}

/** Reads and parses the policy file at `path`. */
export async function readPolicyFile(path: string): Promise<VmAccess[]> {
  let text;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new PolicyFileError(path, "no such policy file");
    }
    throw error;
  }
  return parsePolicy(text, path);
}
