import assert from "node:assert/strict";
import { join } from "node:path";
import { deviceAccess } from "./device_access.ts";

Deno.test("deviceAccess reads device files without all permissions and judges their mode bits", async () => {
  const root = { uid: 0, gid: 0 };
  assert.equal(deviceAccess("/dev/null", root), undefined);
  assert.equal(
    deviceAccess("/dev/no-such-device", root),
    "does not exist",
  );
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "device");
    await Deno.writeTextFile(file, "");
    await Deno.chmod(file, 0o660);
    const { uid, gid } = Deno.statSync(file);
    const stranger = { uid: uid! + 1, gid: gid! + 1 };
    assert.equal(deviceAccess(file, stranger), "permission denied");
    assert.equal(
      deviceAccess(file, { uid: uid! + 1, gid: gid! }),
      undefined,
    );
    assert.equal(
      deviceAccess(file, { uid: uid!, gid: gid! + 1 }),
      undefined,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
