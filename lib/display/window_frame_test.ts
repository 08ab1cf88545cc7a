import assert from "node:assert/strict";
import { toplevel } from "./_test_session.ts";

Deno.test("every toplevel gets the label and qubesify's app id, whatever the guest sets", () => {
  const { d, created } = toplevel();
  assert.deepEqual(created.map((m) => [m.name, m.args]), [
    ["get_toplevel", [created[0].args[0]]],
    ["set_title", ["[work] "]],
    ["set_app_id", ["qubesify-work"]],
  ]);
  const [title] = d.client({
    id: 8,
    iface: "xdg_toplevel",
    name: "set_title",
    args: ["Bank \u202eknaB"],
  });
  assert.deepEqual(title.args, ["[work] Bank  knaB"]);
  const [appId] = d.client({
    id: 8,
    iface: "xdg_toplevel",
    name: "set_app_id",
    args: ["org.gnome.Shell"],
  });
  assert.deepEqual(appId.args, ["qubesify-work"]);
});

Deno.test("a framed window's commit is preceded by four strips around it, redrawn only when it changes", () => {
  const { d } = toplevel();
  const sent = d.client({
    id: 5,
    iface: "wl_surface",
    name: "commit",
    args: [],
  });
  assert.equal(sent.at(-1)!.name, "commit");
  assert.equal(
    sent.at(-1)!.id,
    d.atServer.find((m) => m.name === "create_surface")!.args[0],
  );
  assert.deepEqual(
    sent.filter((m) => m.name === "set_window_geometry").map((m) => m.args),
    [[0, 0, 100, 50]],
    "a window without a geometry of its own gets its surface's, so the strips stay outside it",
  );
  const positions = sent.filter((m) => m.name === "set_position").map((m) =>
    m.args
  );
  assert.deepEqual(positions, [[-4, -4], [100, 0], [-4, 50], [-4, 0]]);
  const buffers = sent.filter((m) => m.name === "create_buffer").map((m) =>
    m.args.slice(2, 4)
  );
  assert.deepEqual(buffers, [[108, 4], [4, 50], [108, 4], [4, 50]]);
  assert.equal(sent.filter((m) => m.name === "set_input_region").length, 4);
  const again = d.client({
    id: 5,
    iface: "wl_surface",
    name: "commit",
    args: [],
  });
  assert.deepEqual(again.map((m) => m.name), ["commit"]);
  d.client({
    id: 7,
    iface: "xdg_surface",
    name: "set_window_geometry",
    args: [10, 10, 80, 30],
  });
  const moved = d.client({
    id: 5,
    iface: "wl_surface",
    name: "commit",
    args: [],
  });
  assert.deepEqual(moved.filter((m) => m.name === "set_position")[0].args, [
    6,
    6,
  ]);
  // Pool fds the guard made go out with their create_pool.
  assert.ok(
    d.atServer.some((m) =>
      m.name === "create_pool" && (m.args[1] as number) >= 1000
    ),
  );
});

Deno.test("the guest cannot address the frame: events about it never reach the guest", () => {
  const { d } = toplevel();
  d.client({ id: 5, iface: "wl_surface", name: "commit", args: [] });
  const strip = d.atServer.filter((m) => m.name === "create_surface")[1]
    .args[0] as number;
  assert.deepEqual(
    d.server({ id: strip, iface: "wl_surface", name: "enter", args: [99] }),
    [],
  );
  const buffer = d.atServer.filter((m) => m.name === "create_buffer").at(-1)!
    .args[0] as number;
  d.server({ id: buffer, iface: "wl_buffer", name: "release", args: [] });
  assert.equal(
    d.atServer.at(-1)!.name,
    "destroy",
    "a released strip buffer goes",
  );
  assert.equal(d.closed, undefined);
});
