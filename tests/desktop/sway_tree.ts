/**
 * The parts of sway's layout tree (`swaymsg -t get_tree`) the tests read:
 * which windows are shown, and which one has the keyboard focus. Outputs,
 * workspaces and split containers hold the windows; only a window (a
 * "view") carries the client's pid.
 *
 * @module
 */

/** One node of the tree, as sway's IPC describes it (fields the tests use). */
export interface SwayNode {
  /** Sway's id for the node. */
  id: number;
  /** Title of a window, name of an output or workspace. */
  name: string | null;
  /** `root`, `output`, `workspace`, `con` or `floating_con`. */
  type: string;
  /** Whether it has the focus. */
  focused: boolean;
  /** A Wayland window's app id (null for a window without one). */
  app_id?: string | null;
  /** A window's client process. */
  pid?: number;
  /** Where it is on the layout. */
  rect: { x: number; y: number; width: number; height: number };
  /** Tiled children. */
  nodes: SwayNode[];
  /** Floating children. */
  floating_nodes: SwayNode[];
}

/** Every window in `tree`, tiled and floating, in tree order. */
export function windowsOf(tree: SwayNode): SwayNode[] {
  const windows: SwayNode[] = [];
  const visit = (node: SwayNode) => {
    if (typeof node.pid === "number") windows.push(node);
    for (const child of [...node.nodes ?? [], ...node.floating_nodes ?? []]) {
      visit(child);
    }
  };
  visit(tree);
  return windows;
}

/** The window that has the keyboard focus, if a window has it. */
export function focusedWindow(tree: SwayNode): SwayNode | undefined {
  return windowsOf(tree).find((window) => window.focused);
}
