import assert from "node:assert/strict";
import { join } from "node:path";
import { createVmDir, MAX_VMS_PER_APP, TooManyVmsError } from "./vm_dir.ts";

Deno.test("createVmDir takes the lowest free number, and stops where host names would not fit", async () => {
  const runtime = await Deno.makeTempDir();
  try {
    assert.equal((await createVmDir(runtime, "app")).name, "app-1");
    assert.equal((await createVmDir(runtime, "app")).name, "app-2");
    await Deno.remove(join(runtime, "app-1"));
    assert.equal((await createVmDir(runtime, "app")).name, "app-1");
    for (let n = 3; n <= MAX_VMS_PER_APP; n++) {
      await Deno.mkdir(join(runtime, `app-${n}`));
    }
    await assert.rejects(createVmDir(runtime, "app"), TooManyVmsError);
    assert.equal((await createVmDir(runtime, "other")).name, "other-1");
  } finally {
    await Deno.remove(runtime, { recursive: true });
  }
});
