import assert from "node:assert/strict";
import { join } from "node:path";
import {
  disableSchedule,
  enableSchedule,
  parseProperties,
  type ScheduleHost,
  scheduleStatus,
} from "./schedule.ts";

/** A fake systemctl that records its arguments and answers `show`. */
async function fakeSystemd(options: { failOn?: string } = {}) {
  const dir = await Deno.makeTempDir();
  const calls = join(dir, "calls");
  const bin = join(dir, "bin");
  await Deno.mkdir(bin);
  await Deno.writeTextFile(
    join(bin, "systemctl"),
    `#!/bin/sh
echo "$*" >> ${calls}
case "$*" in
  *${
      options.failOn ?? "never-matches"
    }*) echo "Failed to connect to bus: No medium found" >&2; exit 1;;
  *"show qubesify-rebuild.timer"*) echo ActiveState=active; echo NextElapseUSecRealtime="Mon 2026-11-30 00:00:00 UTC";;
  *"show qubesify-rebuild.service"*) echo Result=success; echo ExecMainStatus=0;;
esac
`,
  );
  await Deno.chmod(join(bin, "systemctl"), 0o755);
  const host: ScheduleHost = { unitDir: join(dir, "units"), path: bin };
  const readCalls = async () =>
    (await Deno.readTextFile(calls).catch(() => "")).trim().split("\n").filter(
      Boolean,
    );
  return { dir, host, readCalls };
}

Deno.test("enable writes both units and starts the timer; disable undoes it", async () => {
  const { dir, host, readCalls } = await fakeSystemd();
  try {
    await enableSchedule(host, {
      command: ["/usr/bin/qubesify", "build", "--fresh"],
      calendar: "weekly",
    });
    assert.match(
      await Deno.readTextFile(join(host.unitDir, "qubesify-rebuild.service")),
      /^ExecStart="\/usr\/bin\/qubesify" "build" "--fresh"$/m,
    );
    assert.match(
      await Deno.readTextFile(join(host.unitDir, "qubesify-rebuild.timer")),
      /^OnCalendar=weekly$/m,
    );
    const status = await scheduleStatus(host);
    assert.equal(status.installed, true);
    assert.equal(status.properties.ActiveState, "active");
    assert.equal(status.properties.Result, "success");
    assert.equal(await disableSchedule(host), true);
    assert.equal((await scheduleStatus(host)).installed, false);
    assert.deepEqual(await readCalls(), [
      "--user daemon-reload",
      "--user enable --now qubesify-rebuild.timer",
      "--user show qubesify-rebuild.timer --property=ActiveState,NextElapseUSecRealtime,LastTriggerUSec",
      "--user show qubesify-rebuild.service --property=Result,ExecMainStatus,ExecMainExitTimestamp",
      "--user disable --now qubesify-rebuild.timer",
      "--user daemon-reload",
    ]);
    assert.equal(
      await disableSchedule(host),
      false,
      "disabling twice is harmless",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failing systemctl leaves nothing installed and says why", async () => {
  const { dir, host } = await fakeSystemd({ failOn: "enable" });
  try {
    await assert.rejects(
      enableSchedule(host, { command: ["/q"], calendar: "weekly" }),
      /systemctl --user enable --now qubesify-rebuild\.timer failed: Failed to connect to bus/,
    );
    assert.deepEqual([...Deno.readDirSync(host.unitDir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("no systemctl is a clear error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const host = { unitDir: join(dir, "units"), path: join(dir, "empty") };
    await assert.rejects(
      enableSchedule(host, { command: ["/q"], calendar: "weekly" }),
      /systemctl not found: the rebuild schedule needs a systemd user session/,
    );
    assert.deepEqual([...Deno.readDirSync(host.unitDir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("systemctl show output parses into properties", () => {
  assert.deepEqual(parseProperties("A=1\nB=x=y\n\nnoise"), {
    A: "1",
    B: "x=y",
  });
});
