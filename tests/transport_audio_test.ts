/**
 * Audio through the relay, for real: a pulse client (pacat, as an app in a
 * VM would be, through the guest's socat) → a UNIX stand-in for a VM's
 * vsock port 7001 → the dispatcher, which looks the VM up → the host's
 * pulse server (pulseaudio with a null sink), whose monitor recording must
 * hold the tone.
 */
import assert from "node:assert/strict";
import {
  heardTone,
  levels,
  sineS16le,
  TEST_RATE,
  TEST_TONE,
} from "./desktop/audio.ts";
import { owning } from "./desktop/owning.ts";
import { skipUnless } from "./desktop/programs.ts";
import {
  APP_CID,
  assertAllRefused,
  refusals,
  startThreeVmDispatcher,
} from "./desktop/three_vm_dispatcher.ts";
import {
  playS16le,
  startPulseServer,
  startRecording,
} from "./desktop/pulse_server.ts";

const ignore = await skipUnless(["pulseaudio", "pacat", "parec"]);

/**
 * The pulse server, a recording of its sink's monitor, and a dispatcher
 * reading the runtime registry, with a stand-in for port 7001 of each VM:
 * "app" may use the pulse socket; "other" (a running VM without sound)
 * may not; "gone" names the socket too, but its QEMU has exited.
 */
async function audioSetup() {
  await using stack = new AsyncDisposableStack();
  const pulse = stack.use(await startPulseServer());
  const dir = await Deno.makeTempDir({ prefix: "qubesify-audio-" });
  stack.defer(() => Deno.remove(dir, { recursive: true }));
  const { relay, decisions, standIn } = await startThreeVmDispatcher({
    dir,
    service: "audio",
    socket: pulse.socket,
  });
  stack.defer(() => relay.close());
  const recording = stack.use(
    await startRecording(pulse),
  );
  /** Plays the tone from "VM" `cid`, through its stand-in. */
  const guestPlays = (cid: number) =>
    playS16le({
      server: `unix:${standIn(cid)}`,
      sink: pulse.sink,
      rate: TEST_RATE,
      bytes: sineS16le(TEST_TONE),
    });
  return owning(stack, { pulse, decisions, recording, guestPlays });
}

Deno.test({
  name: "audio: a VM's tone reaches the pulse server through the dispatcher",
  ignore,
  async fn() {
    await using setup = await audioSetup();
    const played = await setup.guestPlays(APP_CID);
    assert.equal(played.code, 0, played.stderr);
    const samples = await setup.recording.stop();
    assert.equal(
      heardTone(samples, { tone: TEST_TONE, rate: TEST_RATE }),
      undefined,
    );
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

for (const { who, cid, reason } of refusals("audio")) {
  Deno.test({
    name: `audio: ${who} is refused, and nothing is heard`,
    ignore,
    async fn() {
      await using setup = await audioSetup();
      const played = await setup.guestPlays(cid);
      assert.notEqual(played.code, 0, "pacat played through a refused relay");
      const samples = await setup.recording.stop();
      assert.equal(levels(samples).peak, 0);
      assertAllRefused(setup.decisions, { cid, service: "audio", reason });
      // The same server hears the allowed VM: the refusal was the policy's,
      // not a broken setup.
      await using recording = await startRecording(setup.pulse);
      const allowed = await setup.guestPlays(APP_CID);
      assert.equal(allowed.code, 0, allowed.stderr);
      const heard = await recording.stop();
      assert.equal(
        heardTone(heard, { tone: TEST_TONE, rate: TEST_RATE }),
        undefined,
      );
    },
  });
}
