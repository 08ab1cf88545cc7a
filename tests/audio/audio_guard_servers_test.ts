/**
 * The audio guard between real pulse clients and real sound servers
 * (pulseaudio, and pipewire-pulse where installed): through a `playback`
 * guard a tone plays and is heard on the sink's monitor, with shared
 * memory turned off; recording, loading a module, and seeing or touching
 * another app's stream are refused with "Access denied"; through a
 * `duplex` guard recording works. Each refusal leaves a log line.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type AudioMode, startAudioGuard } from "../../lib/audio/mod.ts";
import {
  heardTone,
  sineS16le,
  skipUnless,
  TEST_RATE,
  TEST_TONE,
} from "../desktop/mod.ts";
import { type PulseServer, startRecording } from "../desktop/pulse_server.ts";
import { runPulseClient, startPulseClient } from "./pulse_clients.ts";
import {
  PIPEWIRE_PROGRAMS,
  startPipewirePulse,
  startPulseaudio,
} from "./sound_servers.ts";

const CLIENTS = ["pacat", "parec", "pactl"];

const SERVERS: {
  name: string;
  start: () => Promise<PulseServer>;
  programs: string[];
  /** Whether it offers shared memory to a local client (pipewire-pulse 0.3 never does). */
  sharesMemory: boolean;
}[] = [
  {
    name: "pulseaudio",
    start: startPulseaudio,
    programs: ["pulseaudio"],
    sharesMemory: true,
  },
  {
    name: "pipewire-pulse",
    start: startPipewirePulse,
    programs: PIPEWIRE_PROGRAMS,
    sharesMemory: false,
  },
];

/** A server with a guard in front of it. */
interface Guarded extends AsyncDisposable {
  /** The server, reached directly (the host's other apps). */
  pulse: PulseServer;
  /** The guard's address, `unix:<socket>` (the VM's way in). */
  guarded: string;
  /** The guard's log. */
  lines: string[];
}

async function guarded(
  start: () => Promise<PulseServer>,
  mode: AudioMode,
): Promise<Guarded> {
  const pulse = await start();
  const dir = await Deno.makeTempDir({ prefix: "qubesify-audio-guard-" });
  const lines: string[] = [];
  try {
    const guard = await startAudioGuard({
      listenPath: join(dir, "pulse.sock"),
      serverPath: pulse.socket,
      mode,
      vm: "test",
      onLog: (line) => lines.push(line),
    });
    return {
      pulse,
      guarded: `unix:${guard.path}`,
      lines,
      [Symbol.asyncDispose]: async () => {
        await guard.close();
        await Deno.remove(dir, { recursive: true });
        await pulse.stop();
      },
    };
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    await pulse.stop();
    throw error;
  }
}

function rawArgs(device: string): string[] {
  return [
    `--device=${device}`,
    "--raw",
    "--format=s16le",
    `--rate=${TEST_RATE}`,
    "--channels=1",
  ];
}

/** Why a client's run does not read as refused by the guard. */
function notRefused(result: { code: number | null; stderr: string }): string {
  return `exit ${result.code}: ${result.stderr.trim().split("\n").at(-1)}`;
}

for (const server of SERVERS) {
  const ignore = await skipUnless([...CLIENTS, ...server.programs]);

  Deno.test({
    name:
      `audio guard on ${server.name}: playback plays, without shared memory`,
    ignore,
    async fn() {
      await using setup = await guarded(server.start, "playback");
      await using recording = await startRecording(setup.pulse);
      const played = await runPulseClient(
        setup.guarded,
        "pacat",
        rawArgs(setup.pulse.sink),
        { stdin: sineS16le(TEST_TONE) },
      );
      assert.equal(played.code, 0, played.stderr);
      assert.match(played.stderr, /Negotiated SHM: no/);
      assert.equal(
        heardTone(await recording.stop(), { tone: TEST_TONE, rate: TEST_RATE }),
        undefined,
      );
      assert.deepEqual(setup.lines, []);
      if (server.sharesMemory) {
        // The same client straight to the server would share memory.
        const direct = await runPulseClient(setup.pulse.server, "pactl", [
          "info",
        ]);
        assert.match(direct.stderr, /Negotiated SHM: yes/);
      }
    },
  });

  Deno.test({
    name: `audio guard on ${server.name}: recording from playback is refused`,
    ignore,
    async fn() {
      await using setup = await guarded(server.start, "playback");
      const recorded = await runPulseClient(
        setup.guarded,
        "parec",
        rawArgs(setup.pulse.monitor),
        { timeoutMs: 5_000 },
      );
      assert.notEqual(recorded.code, 0);
      assert.match(recorded.stderr, /Access denied/, notRefused(recorded));
      assert.match(
        setup.lines.join("\n"),
        /connection \d+: refused CREATE_RECORD_STREAM \(tag \d+\): recording needs `audio: duplex`/,
      );
    },
  });

  Deno.test({
    name: `audio guard on ${server.name}: loading a module is refused`,
    ignore,
    async fn() {
      await using setup = await guarded(server.start, "duplex");
      const modules = async () =>
        (await runPulseClient(setup.pulse.server, "pactl", [
          "list",
          "modules",
          "short",
        ])).stdout;
      const before = await modules();
      const loaded = await runPulseClient(setup.guarded, "pactl", [
        "load-module",
        "module-null-sink",
        "sink_name=from_the_vm",
      ]);
      assert.notEqual(loaded.code, 0);
      assert.match(loaded.stderr, /Access denied/, notRefused(loaded));
      assert.equal(await modules(), before);
      assert.match(setup.lines.join("\n"), /refused LOAD_MODULE/);
    },
  });

  Deno.test({
    name: `audio guard on ${server.name}: other apps' clients and streams ` +
      "are neither shown nor touched",
    ignore,
    async fn() {
      await using setup = await guarded(server.start, "playback");
      const watcher = await startPulseClient(setup.guarded, "pactl", [
        "subscribe",
      ]);
      // Another app on the host, playing straight to the server.
      const other = await startPulseClient(setup.pulse.server, "pacat", [
        "--client-name=other-app",
        ...rawArgs(setup.pulse.sink),
      ]);
      try {
        let index: string | undefined;
        for (let tries = 0; tries < 100 && !index; tries++) {
          const inputs = await runPulseClient(setup.pulse.server, "pactl", [
            "list",
            "sink-inputs",
            "short",
          ]);
          index = inputs.stdout.split(/\s+/)[0] || undefined;
          if (!index) await new Promise((wake) => setTimeout(wake, 50));
        }
        assert.ok(index, "the other app's stream never appeared");
        const direct = await runPulseClient(setup.pulse.server, "pactl", [
          "list",
          "clients",
        ]);
        assert.match(direct.stdout, /other-app/);
        for (
          const args of [
            ["list", "clients"],
            ["list", "sink-inputs"],
            ["set-sink-input-volume", index, "10%"],
            ["set-sink-input-mute", index, "1"],
            ["move-sink-input", index, setup.pulse.sink],
            ["set-default-sink", setup.pulse.sink],
            ["exit"],
          ]
        ) {
          const result = await runPulseClient(setup.guarded, "pactl", args);
          assert.notEqual(result.code, 0, args.join(" "));
          assert.match(
            result.stderr,
            /Access denied/,
            `${args.join(" ")}: ${notRefused(result)}`,
          );
          assert.doesNotMatch(result.stdout, /other-app/);
        }
      } finally {
        await other.stop();
      }
      // Give the server a moment to announce the other stream's removal.
      await new Promise((wake) => setTimeout(wake, 300));
      const events = (await watcher.stop()).stdout;
      assert.match(events, /on sink #/, "the watcher heard nothing at all");
      assert.doesNotMatch(events, /sink-input|client/);
      assert.equal(setup.lines.length, 7, setup.lines.join("\n"));
    },
  });

  Deno.test({
    name: `audio guard on ${server.name}: duplex records`,
    ignore,
    async fn() {
      await using setup = await guarded(server.start, "duplex");
      await using recording = await startRecording({
        server: setup.guarded,
        monitor: setup.pulse.monitor,
      });
      const played = await runPulseClient(
        setup.pulse.server,
        "pacat",
        rawArgs(setup.pulse.sink),
        { stdin: sineS16le(TEST_TONE) },
      );
      assert.equal(played.code, 0, played.stderr);
      assert.equal(
        heardTone(await recording.stop(), { tone: TEST_TONE, rate: TEST_RATE }),
        undefined,
      );
      assert.deepEqual(setup.lines, []);
    },
  });
}
