import assert from "node:assert/strict";
import { guestPathProblem } from "./guest_path.ts";

Deno.test("normal absolute guest paths are accepted", () => {
  for (
    const path of [
      "/etc/motd",
      "/usr/local/bin/start-app",
      "/etc/..hidden/x",
      "/home/user/.config/app.conf",
      "/var/lib/x",
      "/runner/x",
      `/${"x".repeat(255)}`,
    ]
  ) {
    assert.equal(guestPathProblem(path), undefined, path);
  }
});

Deno.test("paths that could leave the image or hide are refused", () => {
  const cases: [string, RegExp][] = [
    ["/../../../../tmp/x", /"\." or "\.\." segments/],
    ["/etc/../../x", /"\." or "\.\." segments/],
    ["/etc/./x", /"\." or "\.\." segments/],
    ["/etc/..", /"\." or "\.\." segments/],
    ["//x", /empty segments/],
    ["/etc//x", /empty segments/],
    ["/etc/", /empty segments/],
    ["/", /empty segments/],
    ["relative/x", /absolute path/],
    ["", /absolute path/],
    ["../x", /absolute path/],
    ["/etc/x\0y", /control/],
    ["/etc/\u202eexe.txt", /bidirectional/],
    [`/${"x".repeat(256)}`, /at most 255 bytes/],
    [`/${"x/".repeat(2048)}x`, /at most 4095 bytes/],
    ["/proc/1/root/etc/cron.d/x", /outside \/proc/],
    ["/dev/shm/x", /outside \/dev/],
    ["/sys", /outside \/sys/],
    ["/run/systemd/system/x.service", /outside \/run/],
    ["/var/run/x", /outside \/var\/run/],
    ["/tmp/x", /outside \/tmp/],
  ];
  for (const [path, expected] of cases) {
    assert.match(guestPathProblem(path) ?? "accepted", expected, path);
  }
});
