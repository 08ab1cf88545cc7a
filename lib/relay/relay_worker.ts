/**
 * Worker entry of a relay engine: waits for its `init` message, then runs
 * the loop on this thread until told to stop (see relay_loop.ts).
 *
 * @module
 */

/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

import { errorMessage } from "../errors/mod.ts";
import type { LoopEvent, LoopInit } from "./protocol.ts";
import { RelayLoop } from "./relay_loop.ts";

self.onmessage = (message: MessageEvent<LoopInit>) => {
  self.onmessage = null;
  const post = (event: LoopEvent) => self.postMessage(event);
  try {
    new RelayLoop(message.data, post).run();
  } catch (error) {
    post({ type: "stopped", error: errorMessage(error) });
  }
};
