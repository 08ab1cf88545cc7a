/**
 * Loading a standalone policy file (the YAML form of a recipe's
 * `network.proxy`) and the block lists it names. Problems are located by
 * file, line and column like recipe problems. Every file a policy names
 * must lie inside the folder it is taken from (see `policy_paths.ts`).
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { isMap, isScalar, LineCounter, parseDocument } from "yaml";
import { errorMessage, QubesifyError } from "../errors/mod.ts";
import {
  formatKeyPath,
  type ProxyPolicy,
  proxyPolicySchema,
  RecipeError,
  type RecipeProblem,
} from "../recipe/mod.ts";
import { type Blocklist, emptyBlocklist, parseBlocklist } from "./blocklist.ts";
import { type HostsTable, parseHostsFile } from "./hosts_file.ts";
import { confinePolicyPath } from "./policy_paths.ts";
import type { StatePaths } from "../state/mod.ts";

/** A file the policy names (a block list, its hosts file) cannot be read. */
export class ProxyPolicyFileError extends QubesifyError {}

/** A policy file with its block lists read and its paths made absolute. */
export interface LoadedPolicy {
  /** The validated policy; `blocklists`, `log` and `hosts` are absolute. */
  policy: ProxyPolicy;
  /** Every block list's entries. */
  blocklist: Blocklist;
  /** The pinned names of its `hosts` file, when it names one. */
  hosts?: HostsTable;
}

/**
 * Parses and validates policy YAML; throws {@linkcode RecipeError} listing
 * every problem as `file:line:col key: message`.
 */
export function parsePolicyText(text: string, file: string): ProxyPolicy {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  if (document.errors.length > 0) {
    throw new RecipeError(document.errors.map((error) => ({
      ...at(error.pos[0]),
      key: "",
      message: `YAML syntax error: ${error.message.split("\n")[0]}`,
    })));
  }
  const data = document.toJS() ?? {};
  const parsed = proxyPolicySchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const problems: RecipeProblem[] = parsed.error.issues.map((issue) => {
    const path = issue.path as (string | number)[];
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
    const node = keys.length > 0
      ? keyNode(document.getIn(path, true), keys[0])
      : document.getIn(path, true);
    const range = (node as { range?: [number, number] } | undefined)?.range;
    const key = formatKeyPath(keys.length > 0 ? [...path, keys[0]] : path);
    return {
      ...at(range?.[0] ?? 0),
      key,
      message: keys.length > 0
        ? `unknown key; ${issue.message}`
        : issue.message,
    };
  });
  throw new RecipeError(problems);
}

function keyNode(map: unknown, key: string): unknown {
  if (!isMap(map)) return map;
  for (const pair of map.items) {
    if (isScalar(pair.key) && pair.key.value === key) return pair.key;
  }
  return map;
}

/**
 * Reads every block list, resolving relative paths against `baseDir`;
 * each must lie inside one of `roots` (default: `baseDir`), or a
 * `PolicyPathError` says which does not.
 */
export async function loadBlocklists(
  files: readonly string[],
  baseDir: string,
  roots: readonly string[] = [baseDir],
): Promise<Blocklist> {
  const list = emptyBlocklist();
  for (const file of files) {
    const path = confinePolicyPath("blocklists", file, {
      base: baseDir,
      roots,
    });
    parseBlocklist(await readListFile("block list", path), file, list);
  }
  return list;
}

/** What {@linkcode loadPolicyFile} may also use. */
export interface LoadPolicyFileOptions {
  /**
   * The qubesify folders: besides the policy file's own folder, block
   * lists and the hosts file may lie in `config`, the log in `config` or
   * `data`.
   */
  paths?: StatePaths;
}

/**
 * Loads a policy file and its block lists; relative `blocklists`, `log`
 * and `hosts` paths are taken relative to the policy file's folder, and
 * none may lead outside it (or the qubesify folders of `options.paths`).
 */
export async function loadPolicyFile(
  path: string,
  options: LoadPolicyFileOptions = {},
): Promise<LoadedPolicy> {
  const text = await Deno.readTextFile(path);
  const policy = parsePolicyText(text, path);
  const base = dirname(resolve(path));
  const { paths } = options;
  const listRoots = paths ? [base, paths.config] : [base];
  const logRoots = paths ? [...listRoots, paths.data] : listRoots;
  const confine = (key: string, file: string, roots: string[]) =>
    confinePolicyPath(key, file, { base, roots });
  const absolute: ProxyPolicy = {
    ...policy,
    blocklists: policy.blocklists.map((file) =>
      confine("blocklists", file, listRoots)
    ),
    log: policy.log === undefined
      ? undefined
      : confine("log", policy.log, logRoots),
    hosts: policy.hosts === undefined
      ? undefined
      : confine("hosts", policy.hosts, listRoots),
  };
  return {
    policy: absolute,
    blocklist: await loadBlocklists(absolute.blocklists, base, listRoots),
    hosts: await loadPolicyHosts(absolute.hosts, base, listRoots),
  };
}

/**
 * Reads a policy's `hosts` file (relative to `baseDir`, inside one of
 * `roots`, default `baseDir`); undefined when the policy names none.
 */
export async function loadPolicyHosts(
  file: string | undefined,
  baseDir: string,
  roots: readonly string[] = [baseDir],
): Promise<HostsTable | undefined> {
  if (file === undefined) return undefined;
  const path = confinePolicyPath("hosts", file, { base: baseDir, roots });
  return parseHostsFile(await readListFile("hosts file", path), path);
}

/** Reads a file a policy names; the error says which kind and where. */
async function readListFile(kind: string, path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new ProxyPolicyFileError(
      `cannot read ${kind} ${path}: ${errorMessage(error)}`,
      { cause: error },
    );
  }
}
