/**
 * An unprivileged system user for programs that refuse to run as root
 * (sway 1.7 does). Tests run as root in CI; the user is created on first
 * use and reused afterwards, and owns nothing but the temporary folders a
 * harness gives it, so no home folder is made.
 *
 * @module
 */
import { capture } from "../../lib/exec/mod.ts";

/** The user's name. */
export const TEST_USER = "qubesify-test";

/** A user's name and ids. */
export interface TestUser {
  /** Login name. */
  name: string;
  /** User id. */
  uid: number;
  /** Primary group id. */
  gid: number;
}

/**
 * The test user, created when missing (needs root). Safe to call from
 * tests that run at the same time: when another creates the user first,
 * its entry is read back.
 */
export async function ensureTestUser(): Promise<TestUser> {
  const existing = await lookUpUser(TEST_USER);
  if (existing) return existing;
  const created = await capture({
    program: "useradd",
    args: [
      "--system",
      "--no-create-home",
      "--shell",
      "/usr/sbin/nologin",
      TEST_USER,
    ],
    timeoutMs: 10_000,
  });
  const user = await lookUpUser(TEST_USER);
  if (user) return user;
  throw new Error(
    `cannot create the test user ${TEST_USER} (run the tests as root): ` +
      created.stderr.trim(),
  );
}

/** `name`'s passwd entry, or undefined when there is none. */
async function lookUpUser(name: string): Promise<TestUser | undefined> {
  const result = await capture({
    program: "getent",
    args: ["passwd", name],
    timeoutMs: 5_000,
  });
  if (result.code !== 0) return undefined;
  return parsePasswdLine(result.stdout.trim());
}

/** A passwd line's name and ids (`name:x:uid:gid:gecos:home:shell`). */
export function parsePasswdLine(line: string): TestUser | undefined {
  const [name, , uid, gid] = line.split(":");
  if (!name || !/^\d+$/.test(uid ?? "") || !/^\d+$/.test(gid ?? "")) {
    return undefined;
  }
  return { name, uid: Number(uid), gid: Number(gid) };
}
