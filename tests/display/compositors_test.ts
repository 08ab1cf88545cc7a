/**
 * The compositors the display guard is tested on, and the baseline for
 * its hostile-client tests: what each compositor offers a client, and
 * that on sway, with no guard in between, a client can capture the
 * screen, type into another window and use the clipboard without focus.
 * The guard's tests run the same helpers through the guard and expect
 * them to fail.
 *
 * @module
 */
import assert from "node:assert/strict";
import { capture } from "../../lib/exec/mod.ts";
import {
  clipboardRoundTrip,
  exitWithin,
  focusedWindow,
  grabScreen,
  listGlobals,
  showsWindow,
  skipUnless,
  startFoot,
  startMutter,
  startSimpleShm,
  startSway,
  startWestonHeadless,
  TEST_USER,
  typeInto,
  vividRegion,
  type WaylandGlobal,
} from "../desktop/mod.ts";

/** What every desktop compositor offers, and the guard must pass on. */
const CORE_GLOBALS = [
  "wl_compositor",
  "wl_subcompositor",
  "wl_shm",
  "wl_data_device_manager",
  "wl_output",
  "xdg_wm_base",
];

/** What sway offers that lets a client reach beyond its own windows. */
const SWAY_HOSTILE_GLOBALS = [
  "zwlr_screencopy_manager_v1",
  "zwlr_data_control_manager_v1",
  "zwp_virtual_keyboard_manager_v1",
  "zwlr_layer_shell_v1",
  "zwlr_foreign_toplevel_manager_v1",
];

/**
 * Globals that give a client power over the screen, the input or other
 * clients (the list is for this test's record; the guard's policy has its
 * own).
 */
const DANGEROUS_GLOBALS = new Set([
  ...SWAY_HOSTILE_GLOBALS,
  "zwlr_export_dmabuf_manager_v1",
  "zwlr_virtual_pointer_manager_v1",
  "zwlr_input_inhibit_manager_v1",
  "zwlr_gamma_control_manager_v1",
  "zwlr_output_manager_v1",
  "zwlr_output_power_manager_v1",
  "zwp_input_method_manager_v2",
  "zwp_input_panel_v1",
  "zwp_keyboard_shortcuts_inhibit_manager_v1",
  "weston_screenshooter",
  "weston_capture_v1",
  "weston_desktop_shell",
  "weston_debug_v1",
  "ext_session_lock_manager_v1",
  "gtk_shell1",
]);

const ignoreWeston = await skipUnless(["weston", "wayland-info"]);
const ignoreSway = await skipUnless(["sway", "swaymsg", "wayland-info"]);
const ignoreMutter = await skipUnless([
  "mutter",
  "dbus-run-session",
  "wayland-info",
]);
const ignoreClients = await skipUnless([
  "weston-simple-shm",
  "grim",
  "wtype",
  "foot",
  "wl-copy",
  "wl-paste",
]);

/** What this file's harnesses start; none may outlive its test. */
const HARNESS_PROGRAMS = [
  "sway",
  "mutter",
  "dbus-run-session",
  "weston-simple-shm",
  "foot",
  "wl-copy",
];

/** Living (not zombie) processes of the harness programs, by name. */
async function harnessProcesses(): Promise<string[]> {
  const result = await capture({
    program: "ps",
    args: ["-e", "--no-headers", "-o", "stat=,comm="],
    timeoutMs: 5_000,
  });
  // ps shows the first 15 bytes of a program's name.
  const names = HARNESS_PROGRAMS.map((program) => program.slice(0, 15));
  return result.stdout.split("\n").map((line) => line.trim().split(/\s+/))
    .filter(([stat, name]) => !stat?.startsWith("Z") && names.includes(name))
    .map(([, name]) => name).sort();
}

/** Those running before this file's tests: someone else's. */
const runningBefore = await harnessProcesses();

function interfaces(globals: WaylandGlobal[]): string[] {
  return globals.map((global) => global.interface);
}

/** Asserts the core globals are there and notes the dangerous ones. */
function checkGlobals(compositor: string, globals: WaylandGlobal[]): string[] {
  const names = interfaces(globals);
  for (const name of CORE_GLOBALS) {
    assert.ok(names.includes(name), `${compositor} offers no ${name}`);
  }
  const dangerous = names.filter((name) => DANGEROUS_GLOBALS.has(name));
  console.log(`${compositor} offers: ${dangerous.join(", ") || "nothing"}`);
  return dangerous;
}

Deno.test({
  name: "compositors: weston offers the core globals, no seat, its own shell",
  ignore: ignoreWeston,
  async fn() {
    await using weston = await startWestonHeadless();
    const globals = await listGlobals(weston.env);
    const dangerous = checkGlobals("weston", globals);
    assert.ok(dangerous.includes("weston_screenshooter"));
    // The headless backend has no input devices, hence no seat.
    assert.ok(!interfaces(globals).includes("wl_seat"));
  },
});

Deno.test({
  name:
    "compositors: sway offers the core globals, a seat and the hostile ones",
  ignore: ignoreSway,
  async fn() {
    await using sway = await startSway();
    const globals = await listGlobals(sway.env);
    const dangerous = checkGlobals("sway", globals);
    for (const name of SWAY_HOSTILE_GLOBALS) {
      assert.ok(dangerous.includes(name), `sway offers no ${name}`);
    }
    assert.ok(interfaces(globals).includes("wl_seat"));
  },
});

Deno.test({
  name: "compositors: mutter offers the core globals, a seat and no wlr ones",
  ignore: ignoreMutter,
  async fn() {
    await using mutter = await startMutter();
    const globals = await listGlobals(mutter.env);
    const dangerous = checkGlobals("mutter", globals);
    assert.deepEqual(dangerous.filter((name) => name.startsWith("zwlr_")), []);
    assert.ok(interfaces(globals).includes("wl_seat"));
  },
});

Deno.test({
  name: "compositors: weston-simple-shm and foot run on mutter",
  ignore: ignoreMutter || ignoreClients,
  async fn() {
    await using mutter = await startMutter();
    await using shm = await startSimpleShm(mutter.env);
    await using foot = await startFoot({ env: mutter.env });
    // A client the compositor refuses, or that finds no seat, exits.
    assert.equal(await exitWithin(shm, 1_000), undefined);
    assert.equal(await exitWithin(foot, 0), undefined);
  },
});

Deno.test({
  name:
    "compositors: sway's screenshot is the output, and shows a client's window",
  ignore: ignoreSway || ignoreClients,
  async fn() {
    await using sway = await startSway({ width: 800, height: 600 });
    const bare = await sway.screenshot();
    assert.deepEqual([bare.width, bare.height], [800, 600]);
    assert.equal(vividRegion(bare).count, 0);
    await using _client = await startFoot({
      env: sway.env,
      background: "ff0000",
      ready: async () => focusedWindow(await sway.tree()) !== undefined,
    });
    let image = await sway.screenshot();
    for (let tries = 0; tries < 50 && !showsWindow(image); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      image = await sway.screenshot();
    }
    assert.ok(showsWindow(image), JSON.stringify(vividRegion(image)));
  },
});

Deno.test({
  name: "hostile baseline: grim captures sway's screen",
  ignore: ignoreSway || ignoreClients,
  async fn() {
    await using sway = await startSway();
    const { result, image } = await grabScreen(sway.env);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual([image?.width, image?.height], [1024, 768]);
  },
});

Deno.test({
  name: "hostile baseline: wtype types into the focused terminal",
  ignore: ignoreSway || ignoreClients,
  async fn() {
    await using sway = await startSway();
    const { wtype, received } = await typeInto({ sway, text: "hello" });
    assert.equal(wtype.code, 0, wtype.stderr);
    assert.equal(received, "hello");
  },
});

Deno.test({
  name: "hostile baseline: wl-paste reads what wl-copy offered, without focus",
  ignore: ignoreSway || ignoreClients,
  async fn() {
    await using sway = await startSway();
    const trip = await clipboardRoundTrip({ copier: sway.env, text: "hello" });
    assert.equal(trip.pasted, "hello", trip.paste.stderr);
    assert.equal(trip.copyExit, undefined);
  },
});

Deno.test({
  name: "compositors: stopping sway leaves no process of the test user",
  ignore: ignoreSway,
  async fn() {
    const sway = await startSway();
    await sway.stop();
    await assert.rejects(Deno.stat(sway.socket), Deno.errors.NotFound);
    const left = await capture({
      program: "pgrep",
      args: ["--list-full", "--uid", TEST_USER],
      timeoutMs: 5_000,
    });
    assert.equal(left.stdout, "");
  },
});

Deno.test({
  name: "compositors: the tests leave none of the programs they started",
  ignore: ignoreWeston && ignoreSway && ignoreMutter,
  async fn() {
    let running = await harnessProcesses();
    // A signalled process may take a moment to go.
    for (
      let tries = 0;
      tries < 20 && running.length > runningBefore.length;
      tries++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      running = await harnessProcesses();
    }
    assert.deepEqual(running, runningBefore);
  },
});
