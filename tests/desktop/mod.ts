/**
 * A desktop for tests that must see pixels and hear sound: a private
 * headless weston with screenshots and a "client window shown" check,
 * private headless sway and mutter (the compositors the display guard is
 * tested on), the hostile clients a guard must stop (screen capture,
 * virtual keyboard, clipboard without focus), a private pulseaudio with
 * a null sink, tone playback and monitor recording, both ends of
 * waypipe, running-VM records for the dispatcher's registry, and process
 * groups that stop everything a program forked.
 *
 * For an end-to-end run (the app in a micro VM), start weston and
 * pulseaudio here and hand their addresses to `qubesify run`:
 *
 * ```ts
 * await using weston = await startWestonHeadless();
 * await using pulse = await startPulseServer();
 * const env = { ...weston.env, PULSE_SERVER: pulse.server };
 * await using recording = await startRecording(pulse, 48_000);
 * // run the VM with `env`, then:
 * const { matched } = await weston.screenshotUntil(showsWindow);
 * const heard = heardTone(await recording.stop(), { tone, rate: 48_000 });
 * ```
 *
 * @module
 */
export {
  heardTone,
  levels,
  s16leSamples,
  sineS16le,
  TEST_RATE,
  TEST_TONE,
  toneFrequency,
  type ToneOptions,
} from "./audio.ts";
export { startSimpleShm } from "./clients.ts";
export {
  type EvdevKey,
  type EvdevKeyboard,
  evdevKeymap,
  startEvdevKeyboard,
} from "./evdev_keyboard.ts";
export { type FootOptions, startFoot } from "./foot.ts";
export { grabScreen, type ScreenGrab, screenshotWithGrim } from "./grim.ts";
export {
  type ClipboardOptions,
  clipboardRoundTrip,
  type ClipboardTrip,
  type Typed,
  typeInto,
  type TypeIntoOptions,
} from "./hostile_clients.ts";
export {
  type MutterHeadless,
  type MutterOptions,
  startMutter,
} from "./mutter_headless.ts";
export { showsWindow, vividRegion, type WindowCriterion } from "./pixels.ts";
export { decodePng, type RgbImage } from "./png.ts";
export {
  exitWithin,
  type ProcessGroup,
  startProcessGroup,
} from "./process_group.ts";
export { missingPrograms, skipUnless } from "./programs.ts";
export {
  playS16le,
  type PulseServer,
  startPulseServer,
  startRecording,
} from "./pulse_server.ts";
export {
  type ClientEnv,
  describeExit,
  runClient,
  type RunClientOptions,
} from "./run_client.ts";
export {
  startSway,
  SWAY_OUTPUT,
  type SwayHeadless,
  type SwayOptions,
} from "./sway_headless.ts";
export { focusedWindow, type SwayNode, windowsOf } from "./sway_tree.ts";
export { ensureTestUser, TEST_USER, type TestUser } from "./test_user.ts";
export { deadPid, type TestVm, writeVmRecords } from "./vm_registry.ts";
export { startTestWaypipeClient, startWaypipeServer } from "./waypipe.ts";
export {
  listGlobals,
  parseWaylandInfo,
  type WaylandGlobal,
} from "./wayland_info.ts";
export { startWestonHeadless, type WestonHeadless } from "./weston_headless.ts";
