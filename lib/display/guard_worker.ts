/**
 * Worker entry of a display guard: waits for its init message, then runs
 * the loop on this thread until it ends (see guard_loop.ts). Each
 * connection's filter comes from filter_factory.ts, or is the
 * pass-through filter when the config asks for it (the loop's tests).
 *
 * @module
 */

/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

import { errorMessage } from "../errors/mod.ts";
import { createFilter } from "./filter_factory.ts";
import { GuardLoop } from "./guard_loop.ts";
import type { GuardInit, GuardMessage } from "./guard_protocol.ts";
import { passThroughFilter } from "./pass_through_filter.ts";

self.onmessage = (message: MessageEvent<GuardInit>) => {
  self.onmessage = null;
  const post = (event: GuardMessage) => self.postMessage(event);
  const init = message.data;
  try {
    new GuardLoop(
      init,
      post,
      init.config.passThrough ? passThroughFilter : createFilter,
    ).run();
  } catch (error) {
    post({ type: "ended", error: errorMessage(error) });
  }
  self.close();
};
