import assert from "node:assert/strict";
import { join } from "node:path";
import {
  privilegeChange,
  QemuPrivilegeError,
  spawnQemu,
} from "./qemu_process.ts";
import { findExecutable } from "../exec/mod.ts";
import { toolsOrSkip } from "../../tests/require_tools.ts";

const USER = { uid: 1000, gid: 1000 };
const ROOT = { uid: 0, gid: 0 };
const SLEEP = await findExecutable("sleep", "/usr/bin:/bin");
const TOUCH = await findExecutable("touch", "/usr/bin:/bin");

Deno.test("set-ID bits of another user or group change who QEMU runs as", () => {
  const file = (mode: number, uid = 0, gid = 0) => ({ mode, uid, gid });
  assert.equal(privilegeChange(file(0o100755), USER), undefined);
  assert.equal(
    privilegeChange(file(0o104755), USER),
    "is set-user-ID (chmod u+s), so it would run as uid 0",
  );
  assert.equal(
    privilegeChange(file(0o102755, 1000, 36), USER),
    "is set-group-ID (chmod g+s), so it would run as gid 36",
  );
  // Root's own set-user-ID binary, or the user's, changes nothing.
  assert.equal(privilegeChange(file(0o104755), ROOT), undefined);
  assert.equal(privilegeChange(file(0o106755, 1000, 1000), USER), undefined);
  assert.match(privilegeChange(file(0o104755, 65534), ROOT) ?? "", /65534/);
});

Deno.test("a program without set-ID bits starts as usual", async () => {
  const child = await spawnQemu(SLEEP!, {
    args: ["0"],
    stdout: "null",
    stderr: "piped",
  });
  const [status, stderr] = await Promise.all([
    child.status,
    new Response(child.stderr).text(),
  ]);
  assert.equal(status.code, 0, stderr);
});

Deno.test({
  name: "a set-user-ID QEMU of another user is refused, not started",
  ignore: await toolsOrSkip([], { root: true }),
}, async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Run directly, this copy of touch would run as nobody.
    const fake = join(dir, "qemu");
    const started = join(dir, "started");
    await Deno.chmod(dir, 0o777);
    await Deno.copyFile(TOUCH!, fake);
    await Deno.chown(fake, 65534, 65534);
    await Deno.chmod(fake, 0o4755);
    await assert.rejects(
      spawnQemu(fake, { args: [started], stdout: "null", stderr: "null" }),
      (error) =>
        error instanceof QemuPrivilegeError &&
        error.message.startsWith(
          `${fake} is set-user-ID (chmod u+s), so it would run as uid 65534; `,
        ),
    );
    assert.equal(await Deno.stat(started).catch(() => undefined), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
