/**
 * Test support: a Worker that waits inside {@linkcode withInterruption}
 * and posts what the signal aborted it with (fenced commands run so).
 *
 * @module
 */

/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

import { withInterruption } from "./interruption.ts";

self.onmessage = async () => {
  try {
    await withInterruption((signal) =>
      new Promise((_, reject) => {
        signal.addEventListener("abort", () => reject(signal.reason));
        self.postMessage("ready");
      })
    );
  } catch (error) {
    self.postMessage(error instanceof Error ? error.name : String(error));
  }
};
