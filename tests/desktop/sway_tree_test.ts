import assert from "node:assert/strict";
import { focusedWindow, type SwayNode, windowsOf } from "./sway_tree.ts";

function node(fields: Partial<SwayNode> & { type: string }): SwayNode {
  return {
    id: 0,
    name: null,
    focused: false,
    rect: { x: 0, y: 0, width: 0, height: 0 },
    nodes: [],
    floating_nodes: [],
    ...fields,
  };
}

const TREE = node({
  type: "root",
  name: "root",
  nodes: [
    node({
      type: "output",
      name: "HEADLESS-1",
      nodes: [
        node({
          type: "workspace",
          name: "1",
          nodes: [
            node({ type: "con", id: 4, app_id: "foot", pid: 10 }),
            node({
              type: "con",
              nodes: [
                node({ type: "con", id: 6, app_id: "a", pid: 11 }),
                node({
                  type: "con",
                  id: 7,
                  app_id: "b",
                  pid: 12,
                  focused: true,
                }),
              ],
            }),
          ],
          floating_nodes: [
            node({ type: "floating_con", id: 8, app_id: null, pid: 13 }),
          ],
        }),
      ],
    }),
  ],
});

Deno.test("sway tree: windows are found in splits and among floating nodes", () => {
  assert.deepEqual(windowsOf(TREE).map((window) => window.id), [4, 6, 7, 8]);
});

Deno.test("sway tree: the focused window is the focused view", () => {
  assert.equal(focusedWindow(TREE)?.app_id, "b");
  assert.equal(focusedWindow(node({ type: "root", focused: true })), undefined);
});
