import assert from "node:assert/strict";
import { processHost, requiredChecks, runDoctor } from "./doctor.ts";
import { bareHost } from "./_test_host.ts";
import {
  type AppRecipe,
  loadCatalog,
  resolveApp,
  shippedRecipeDirectory,
} from "../recipe/mod.ts";

const catalog = await loadCatalog([shippedRecipeDirectory()]);
const firefox = resolveApp(catalog, "firefox").app;
const smoke = resolveApp(catalog, "smoke").app;

Deno.test("requirements follow the app's display, audio and network", () => {
  assert.deepEqual(
    [...requiredChecks(firefox)].sort(),
    [
      "kernel-tools",
      "mke2fs",
      "mmdebstrap",
      "pulse",
      "qemu",
      "wayland",
      "waypipe",
    ],
  );
  assert.deepEqual(
    [...requiredChecks(smoke)].sort(),
    ["kernel-tools", "mke2fs", "mmdebstrap", "qemu"],
  );
  const tapApp: Pick<AppRecipe, "display" | "audio" | "network"> = {
    display: "none",
    audio: "none",
    network: { mode: "tap" },
  };
  assert.equal(requiredChecks(tapApp).has("tap"), true);
});

Deno.test("a bare host fails the required checks, warns for the rest", async () => {
  const report = await runDoctor({ host: bareHost(), app: smoke });
  assert.equal(report.ok, false);
  const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
  assert.deepEqual(status, {
    qemu: "fail",
    kvm: "warn",
    "vhost-vsock": "warn",
    mmdebstrap: "fail",
    mke2fs: "fail",
    "kernel-tools": "fail",
    waypipe: "warn",
    wayland: "warn",
    pulse: "warn",
    hugepages: "warn",
    tap: "warn",
  });
});

Deno.test("doctor runs for real on this machine", async () => {
  const report = await runDoctor({ host: processHost(), app: smoke });
  const byId = new Map(report.checks.map((check) => [check.id, check]));
  assert.equal(byId.size, 11);
  // CI installs these before the tests run (mke2fs may lack tarball input).
  for (const id of ["qemu", "mmdebstrap", "mke2fs", "kernel-tools"]) {
    const check = byId.get(id);
    assert.notEqual(check?.finding, "missing", `${id}: ${check?.detail}`);
  }
  assert.equal(report.ok, true);
  // Whatever KVM does here, the probe must finish and never count as required.
  assert.equal(byId.get("kvm")?.required, false);
  assert.notEqual(byId.get("kvm")?.status, "fail");
});
