/**
 * The guard labels every window, whatever the app asks for: on sway, a
 * foot started with its own app id and title, and retitled later by the
 * program in it, shows `[label] ` before its title and `qubesify-<app>`
 * as its app id, while the same foot straight on sway keeps what it set.
 * Sway sees the guard, not foot, as the guarded window's client.
 *
 * @module
 */
import assert from "node:assert/strict";
import { eventually } from "../../lib/display/_test_guard.ts";
import {
  type ClientEnv,
  skipUnless,
  startProcessGroup,
  startSway,
  type SwayHeadless,
  type SwayNode,
  windowsOf,
} from "../desktop/mod.ts";
import { startGuardedDisplay } from "./guarded_display.ts";

const ignore = await skipUnless(["sway", "swaymsg", "foot"]);

/**
 * The program in the terminal: set the title with an escape sequence
 * once asked (a line on its input is never typed here, so a timer), then
 * wait for ever.
 */
const RETITLE = 'sleep 1; printf "\\033]2;%s\\007" "$1"; exec cat';

/** Starts foot with an app id and title of its own on `env`. */
function startLabelledFoot(env: ClientEnv, later: string) {
  return startProcessGroup({
    program: "foot",
    args: [
      "--log-level=warning",
      "--app-id=evil-app",
      "--title=evil title",
      "--",
      "sh",
      "-c",
      RETITLE,
      "sh",
      later,
    ],
    env: { ...env },
  });
}

/** The window of client process `pid` once its title is `title`. */
async function windowTitled(
  sway: SwayHeadless,
  pid: number,
  title: string,
): Promise<SwayNode> {
  let seen: SwayNode[] = [];
  return await eventually(
    async () => {
      seen = windowsOf(await sway.tree());
      return seen.find((window) => window.pid === pid && window.name === title);
    },
    () =>
      `a window of ${pid} titled "${title}"; seen ${
        JSON.stringify(seen.map(({ pid, name, app_id }) => ({
          pid,
          name,
          app_id,
        })))
      }`,
  );
}

Deno.test({
  name:
    "display guard: a window's title has the label and its app id is the app's, whatever foot sets",
  ignore,
  async fn() {
    await using sway = await startSway();
    await using guarded = await startGuardedDisplay(sway);
    const label = `[${guarded.config.label}] `;
    await using straight = await startLabelledFoot(sway.env, "straight later");
    await using _guarded = await startLabelledFoot(
      guarded.env,
      "guarded later",
    );
    const plain = await windowTitled(sway, straight.pid, "evil title");
    assert.equal(plain.app_id, "evil-app");
    // Sway's client on the guarded side is the guard: this process.
    const labelled = await windowTitled(sway, Deno.pid, `${label}evil title`);
    assert.equal(labelled.app_id, `qubesify-${guarded.config.app}`);
    // A title set later is labelled too.
    await windowTitled(sway, straight.pid, "straight later");
    const retitled = await windowTitled(
      sway,
      Deno.pid,
      `${label}guarded later`,
    );
    assert.equal(retitled.app_id, `qubesify-${guarded.config.app}`);
    assert.deepEqual(guarded.ended, []);
  },
});
