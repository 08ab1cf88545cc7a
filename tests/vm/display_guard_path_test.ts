/**
 * VM tier, the display guard on the whole path: `qubesify run` boots the
 * terminal recipe (foot in a trixie guest) with qubesify's own vsock
 * back-end, and its window reaches a headless sway through the guest's
 * waypipe, the back-end, the host's waypipe client and the VM's display
 * guard. What the user sees on sway: the window carries the recipe's label
 * and qubesify's app id, keys typed on the host reach the app, and the
 * clipboard crosses between host and VM only with Ctrl+Shift+V and
 * Ctrl+Shift+C.
 *
 * The chords come from a keyboard with evdev key codes, as a physical one
 * sends them (`evdev_keyboard.ts`); the same keyboard presses the paste key
 * after Ctrl+Shift+V, since a change of keyboard makes sway hand the focused
 * window a fresh clipboard offer, which the guard withholds again.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { KERNEL_SOURCE, testDataDir } from "./test_data_dir.ts";
import { finish } from "../cli.ts";
import { sandbox, until } from "./cli_harness.ts";
import { watchOutput } from "./live_output.ts";
import { startEvdevKeyboard } from "../desktop/evdev_keyboard.ts";
import { startProcessGroup } from "../desktop/process_group.ts";
import { PROGRAM_PACKAGES } from "../desktop/programs.ts";
import { type ClientEnv, runClient } from "../desktop/run_client.ts";
import { startSway } from "../desktop/sway_headless.ts";
import { focusedWindow, windowsOf } from "../desktop/sway_tree.ts";
import { toolsOrSkip } from "../require_tools.ts";

const ignore = await toolsOrSkip(
  [
    "sway",
    "swaymsg",
    "wtype",
    "wl-copy",
    "wl-paste",
    "waypipe",
    "qemu-system-x86_64",
    "mmdebstrap",
  ],
  { files: [KERNEL_SOURCE], packages: PROGRAM_PACKAGES },
);

/** The app (tests/vm/recipes/terminal.yaml), its VM and its label. */
const APP = "terminal";
const VM = `${APP}-1`;
const LABEL = "vault";

/** How long foot's paste may take through the whole path under TCG. */
const PASTE_MS = 5_000;

/** The host clipboard as `wl-paste` reads it straight on sway. */
async function hostClipboard(sway: ClientEnv): Promise<string | undefined> {
  const paste = await runClient(sway, ["wl-paste", "--no-newline"]);
  return paste.code === 0 ? paste.stdout : undefined;
}

/** Polls the host clipboard until it holds `text`; false after `ms`. */
async function hostClipboardBecomes(
  sway: ClientEnv,
  text: string,
  ms: number,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await hostClipboard(sway) === text) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

/** Types `text` and Return with wtype, straight on sway. */
async function typeLine(sway: ClientEnv, text: string): Promise<void> {
  const typed = await runClient(sway, [
    "wtype",
    // wtype's keyboard is new to the seat: let it settle first.
    "-s",
    "500",
    text,
    "-k",
    "Return",
  ]);
  assert.equal(typed.code, 0, `wtype: ${typed.stderr}`);
}

Deno.test({
  name:
    "run: a VM's window on sway is labelled, takes the host's keys, and gets or gives the clipboard only by the chords",
  ignore,
}, async (t) => {
  await using box = await sandbox(testDataDir());
  const built = await finish(box.spawn(["build", APP]));
  assert.equal(built.code, 0, built.stderr);

  await using sway = await startSway();
  // The user's keyboard, on the seat before the window opens.
  await using keyboard = await startEvdevKeyboard(sway.env);
  Object.assign(box.env, sway.env);
  const run = watchOutput(
    box.spawn(["run", "--no-build", "--vsock", "user", APP]),
  );
  /** What went wrong so far, from run's output and the guard's log. */
  const evidence = async () =>
    `${run.printed()}\nguards.log:\n${await Deno.readTextFile(
      join(box.runtime, VM, "guards.log"),
    ).catch(() => "(gone)")}`;
  try {
    await run.next((line) => line === "ready", 300_000, "the terminal");
    const deadline = Date.now() + 120_000;
    while (focusedWindow(await sway.tree())?.app_id !== `qubesify-${APP}`) {
      assert.ok(
        Date.now() < deadline,
        `the VM's window never had the focus\n${await evidence()}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }

    await t.step(
      "the window carries the label and qubesify's app id",
      async () => {
        const windows = windowsOf(await sway.tree());
        assert.equal(windows.length, 1, JSON.stringify(windows));
        assert.equal(windows[0].app_id, `qubesify-${APP}`);
        assert.ok(
          windows[0].name?.startsWith(`[${LABEL}] `),
          `title ${JSON.stringify(windows[0].name)}`,
        );
      },
    );

    await t.step("keys typed on the host reach the app", async () => {
      await typeLine(sway.env, "typed on the host");
      const line = await run.next(
        (line) => line.startsWith("line: "),
        60_000,
        "the typed line",
      );
      assert.equal(line, "line: typed on the host");
    });

    await t.step(
      "the host's clipboard reaches the VM only after Ctrl+Shift+V",
      async () => {
        await using _copier = await startProcessGroup({
          program: "wl-copy",
          args: ["--foreground", "--", "from the host"],
          env: { ...sway.env },
        });
        assert.ok(
          await hostClipboardBecomes(sway.env, "from the host", 10_000),
          "wl-copy straight on sway set the host clipboard",
        );
        const pasteLine = async () => {
          await keyboard.press("paste");
          await new Promise((resolve) => setTimeout(resolve, PASTE_MS));
          await keyboard.press("return");
          return await run.next(
            (line) => line.startsWith("line: "),
            60_000,
            "the pasted line",
          );
        };
        assert.equal(
          await pasteLine(),
          "line: ",
          `the app pasted the host's clipboard without Ctrl+Shift+V\n${await evidence()}`,
        );
        // A paste that came late would run into this line.
        await typeLine(sway.env, "after the paste");
        assert.equal(
          await run.next((line) => line.startsWith("line: "), 60_000, "a line"),
          "line: after the paste",
        );
        await keyboard.press("ctrl", "shift", "v");
        assert.equal(
          await pasteLine(),
          "line: from the host",
          `the app's paste after Ctrl+Shift+V\n${await evidence()}`,
        );
      },
    );

    await t.step(
      "the VM's copy reaches the host only after Ctrl+Shift+C",
      async () => {
        await typeLine(sway.env, "copy from the VM");
        await run.next(
          (line) => line === "copied: from the VM",
          60_000,
          "the app's copy",
        );
        assert.equal(
          await hostClipboardBecomes(sway.env, "from the VM", PASTE_MS),
          false,
          `the VM's copy reached the host without Ctrl+Shift+C\n${await evidence()}`,
        );
        await keyboard.press("ctrl", "shift", "c");
        assert.ok(
          await hostClipboardBecomes(sway.env, "from the VM", 30_000),
          `the host clipboard after Ctrl+Shift+C is ${
            JSON.stringify(await hostClipboard(sway.env))
          }\n${await evidence()}`,
        );
      },
    );

    await t.step("the app ends, and its window goes with it", async () => {
      await typeLine(sway.env, "quit");
      const { code } = await run.finished;
      assert.equal(code, 0, run.printed());
      await until(
        async () => windowsOf(await sway.tree()).length === 0,
        10_000,
        "the window to go",
      );
    });
  } finally {
    // A failed step leaves the VM running: stop it the way a user would,
    // so `run` takes its waypipe client and guard down with it.
    const running = await box.vms().catch(() => []);
    if (running.some((vm) => vm.name === VM)) {
      await finish(box.spawn(["stop", VM]));
      await run.finished;
    }
  }
  assert.deepEqual(await box.vms(), []);
});
