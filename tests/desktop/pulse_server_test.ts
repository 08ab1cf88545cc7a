import assert from "node:assert/strict";
import { heardTone, levels, sineS16le, TEST_RATE, TEST_TONE } from "./audio.ts";
import { skipUnless } from "./programs.ts";
import { playS16le, startPulseServer, startRecording } from "./pulse_server.ts";

const ignore = await skipUnless(["pulseaudio", "pacat", "parec"]);

Deno.test({
  name: "pulse server: a tone played into the null sink is in its monitor",
  ignore,
  async fn() {
    await using pulse = await startPulseServer();
    await using recording = await startRecording(pulse);
    const played = await playS16le({
      server: pulse.server,
      sink: pulse.sink,
      rate: TEST_RATE,
      bytes: sineS16le(TEST_TONE),
    });
    assert.equal(played.code, 0, played.stderr);
    const samples = await recording.stop();
    assert.equal(
      heardTone(samples, { tone: TEST_TONE, rate: TEST_RATE }),
      undefined,
    );
  },
});

Deno.test({
  name: "pulse server: with nothing played the monitor is silent",
  ignore,
  async fn() {
    await using pulse = await startPulseServer();
    await using recording = await startRecording(pulse);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const samples = await recording.stop();
    assert.ok(samples.length > 0);
    assert.equal(levels(samples).peak, 0);
    assert.match(
      heardTone(samples, { tone: TEST_TONE, rate: TEST_RATE }) ?? "",
      /silent/,
    );
  },
});

Deno.test({
  name: "pulse server: a client pointed at a missing socket fails",
  ignore,
  async fn() {
    await using pulse = await startPulseServer();
    const played = await playS16le({
      server: `${pulse.server}.missing`,
      sink: pulse.sink,
      rate: TEST_RATE,
      bytes: sineS16le(TEST_TONE),
    });
    assert.notEqual(played.code, 0);
  },
});
