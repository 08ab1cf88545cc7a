/**
 * Audio through the relay, for real: a pulse client (pacat, as an app in a
 * VM would be, through the guest's socat) → a UNIX stand-in for a VM's
 * vsock port 7001 → the dispatcher, which looks the VM up → the host's
 * pulse server (pulseaudio with a null sink), whose monitor recording must
 * hold the tone.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type RelayDecision,
  startDispatcher,
  staticAccessSource,
} from "../lib/relay/mod.ts";
import { SERVICE_PORTS } from "../lib/vm/launch_spec.ts";
import {
  heardTone,
  levels,
  sineS16le,
  type ToneOptions,
} from "./desktop/audio.ts";
import { skipUnless } from "./desktop/programs.ts";
import {
  playS16le,
  startPulseServer,
  startRecording,
} from "./desktop/pulse_server.ts";

const ignore = await skipUnless(["pulseaudio", "pacat", "parec"]);

const APP_CID = 5;
const OTHER_CID = 6;
const RATE = 48_000;
const TONE: ToneOptions = {
  frequency: 440,
  rate: RATE,
  seconds: 0.5,
  amplitude: 12_000,
};

/**
 * The pulse server, a recording of its sink's monitor, and a dispatcher
 * with a stand-in for port 7001 of each VM: "app" may use the pulse
 * socket, "other" (a running VM without sound) may not.
 */
async function audioSetup() {
  const pulse = await startPulseServer();
  const dir = await Deno.makeTempDir({ prefix: "qubesify-audio-" });
  const stops: (() => Promise<unknown>)[] = [
    () => pulse.stop(),
    () => Deno.remove(dir, { recursive: true }),
  ];
  const stop = async () => {
    for (const step of stops.reverse()) await step();
    stops.length = 0;
  };
  try {
    const standIn = (cid: number) => join(dir, `vsock-${cid}-7001.sock`);
    const decisions: RelayDecision[] = [];
    const dispatcher = await startDispatcher({
      listeners: [APP_CID, OTHER_CID].map((cid) => ({
        unixPath: standIn(cid),
        peerCid: cid,
        port: SERVICE_PORTS.audio,
      })),
      vms: staticAccessSource([
        { name: "app", cid: APP_CID, services: { audio: pulse.socket } },
        { name: "other", cid: OTHER_CID, services: {} },
      ]),
      onDecision: (decision) => decisions.push(decision),
    });
    stops.push(() => dispatcher.close());
    const recording = await startRecording({
      server: pulse.server,
      source: pulse.monitor,
      rate: RATE,
    });
    stops.push(() => recording.stop());
    /** Plays the tone from "VM" `cid`, through its stand-in. */
    const guestPlays = (cid: number) =>
      playS16le({
        server: `unix:${standIn(cid)}`,
        sink: pulse.sink,
        rate: RATE,
        bytes: sineS16le(TONE),
      });
    return {
      pulse,
      decisions,
      recording,
      guestPlays,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

Deno.test({
  name: "audio: a VM's tone reaches the pulse server through the dispatcher",
  ignore,
  async fn() {
    await using setup = await audioSetup();
    const played = await setup.guestPlays(APP_CID);
    assert.equal(played.code, 0, played.stderr);
    const samples = await setup.recording.stop();
    assert.equal(heardTone(samples, { tone: TONE, rate: RATE }), undefined);
    assert.ok(setup.decisions.length >= 1);
    for (const decision of setup.decisions) {
      assert.equal(decision.decision, "allow");
      assert.equal(decision.cid, APP_CID);
      assert.equal(decision.vm, "app");
      assert.equal(decision.service, "audio");
      assert.equal(decision.target, `unix:${setup.pulse.socket}`);
    }
  },
});

Deno.test({
  name: "audio: a VM not allowed sound is refused, and nothing is heard",
  ignore,
  async fn() {
    await using setup = await audioSetup();
    const played = await setup.guestPlays(OTHER_CID);
    assert.notEqual(played.code, 0, "pacat played through a refused relay");
    const samples = await setup.recording.stop();
    assert.equal(levels(samples).peak, 0);
    assert.ok(setup.decisions.length >= 1);
    for (const decision of setup.decisions) {
      assert.equal(decision.decision, "deny");
      assert.equal(decision.cid, OTHER_CID);
      assert.equal(decision.service, "audio");
      assert.match(decision.reason ?? "", /other may not use audio/);
    }
  },
});
