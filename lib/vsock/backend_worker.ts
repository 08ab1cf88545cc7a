/**
 * Worker entry of a vsock back-end: waits for its init message, then runs
 * the loop on this thread until it ends (see backend_loop.ts).
 *
 * @module
 */

/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

import { errorMessage } from "../errors/mod.ts";
import { BackendLoop } from "./backend_loop.ts";
import type { LoopInit, LoopMessage } from "./backend_protocol.ts";

self.onmessage = (message: MessageEvent<LoopInit>) => {
  self.onmessage = null;
  const post = (event: LoopMessage) => self.postMessage(event);
  try {
    new BackendLoop(message.data, post).run();
  } catch (error) {
    post({ type: "ended", reason: "failed", error: errorMessage(error) });
  }
  self.close();
};
