import assert from "node:assert/strict";
import { parseRecipes } from "./parse.ts";
import { formatProblem } from "./problem.ts";
import { assembleCatalog } from "./catalog.ts";

function problemsOf(text: string, file = "bad.yaml"): string[] {
  return parseRecipes({ text, file, defaultName: "bad" }).problems.map(
    formatProblem,
  );
}

const APP = "kind: app\ntemplate: smoke\ncommand: [foot]\n";

const MALFORMED: { name: string; text: string; expected: string[] }[] = [
  {
    name: "bad size",
    text: APP + "memory: lots\n",
    expected: ["bad.yaml:4:9 memory: expected a size like 2G"],
  },
  {
    name: "bare number as size",
    text: APP + "memory: 2048\n",
    expected: ["bad.yaml:4:9 memory: expected a size like 2G"],
  },
  {
    name: "size below the minimum",
    text: APP + "memory: 16M\n",
    expected: ["bad.yaml:4:9 memory: expected at least 64M"],
  },
  {
    name: "wrong type for cpus",
    text: APP + "cpus: two\n",
    expected: ["bad.yaml:4:7 cpus: expected a number of CPUs"],
  },
  {
    name: "fractional cpus",
    text: APP + "cpus: 1.5\n",
    expected: ["bad.yaml:4:7 cpus: expected a whole number of CPUs"],
  },
  {
    name: "unknown key",
    text: APP + "memroy: 2G\n",
    expected: [
      "bad.yaml:4:1 memroy: unknown key; expected one of: kind, name, template, command, user, memory, cpus, display, audio, network, persist, label, env",
    ],
  },
  {
    name: "unknown nested key",
    text: APP +
      "network:\n  mode: proxy\n  proxy:\n    allow:\n      - host: github.com\n        prots: [22]\n",
    expected: [
      "bad.yaml:9:9 network.proxy.allow[0].prots: unknown key; expected one of: host, ports",
    ],
  },
  {
    name: "bad enum",
    text: APP + "display: x11\n",
    expected: ["bad.yaml:4:10 display: expected one of: wayland, none"],
  },
  {
    name: "bad clipboard mode",
    text: APP + "display:\n  clipboard: always\n",
    expected: [
      "bad.yaml:5:14 display.clipboard: expected one of: explicit, shared, none",
    ],
  },
  {
    name: "display none with wayland-only keys",
    text: APP + "display:\n  mode: none\n  allow: [foo]\n  clipboard: shared\n",
    expected: [
      "bad.yaml:6:10 display.allow: an allow-list only applies with mode: wayland, not mode: none",
      "bad.yaml:7:14 display.clipboard: a clipboard mode only applies with mode: wayland, not mode: none",
    ],
  },
  {
    name: "bad interface name",
    text: APP + "display:\n  allow: [Foo-Bar]\n",
    expected: [
      "bad.yaml:5:11 display.allow[0]: expected a Wayland interface name like zwp_tablet_manager_v2",
    ],
  },
  {
    name: "interface both allowed and denied",
    text: APP + "display:\n  allow: [a, b]\n  deny: [b]\n",
    expected: [
      'bad.yaml:6:10 display.deny[0]: "b" is also in allow; keep it in one of the two',
    ],
  },
  {
    name: "unknown display key",
    text: APP + "display:\n  allowed: [x]\n",
    expected: [
      "bad.yaml:5:3 display.allowed: unknown key; expected one of: mode, allow, deny, clipboard",
    ],
  },
  {
    name: "display that is neither a mode nor a mapping",
    text: APP + "display: 3\n",
    expected: [
      "bad.yaml:4:10 display: expected wayland, none, or a mapping like {mode: wayland, clipboard: explicit}",
    ],
  },
  {
    name: "unknown label colour",
    text: APP + "label: {name: work, colour: teal}\n",
    expected: [
      "bad.yaml:4:29 label.colour: expected red, orange, yellow, green, grey, blue, purple, black or #rrggbb",
    ],
  },
  {
    name: "unquoted hex colour (a YAML comment)",
    text: APP + "label:\n  name: work\n  colour: #cc0000\n",
    expected: [
      'bad.yaml:6:11 label.colour: expected red, orange, yellow, green, grey, blue, purple, black or #rrggbb; quote hex colours ("#cc0000"): YAML reads an unquoted # as a comment',
    ],
  },
  {
    name: "label too long",
    text: APP + `label: ${"x".repeat(33)}\n`,
    expected: ["bad.yaml:4:8 label: expected a label of at most 32 characters"],
  },
  {
    name: "label with a newline",
    text: APP + 'label: "a\\nb"\n',
    expected: [
      "bad.yaml:4:8 label: expected a label without control, line break or bidirectional formatting characters",
    ],
  },
  {
    name: "label that is a list",
    text: APP + "label: [a]\n",
    expected: [
      "bad.yaml:4:8 label: expected a label name or a mapping like {name: work, colour: blue}",
    ],
  },
  {
    name: "bad network mode",
    text: APP + "network: bridge\n",
    expected: [
      "bad.yaml:4:10 network: expected one of: none, user, tap, proxy",
    ],
  },
  {
    name: "proxy without a policy",
    text: APP + "network:\n  mode: proxy\n",
    expected: [
      "bad.yaml:5:9 network.mode: proxy needs a policy: add proxy: {allow: [{host: example.org}]} beside mode",
    ],
  },
  {
    name: "bad host pattern in the policy",
    text: APP +
      "network:\n  mode: proxy\n  proxy:\n    allow:\n      - host: git*hub.com\n",
    expected: [
      "bad.yaml:8:15 network.proxy.allow[0].host: expected a lowercase host name like example.org or a pattern like *.example.org",
    ],
  },
  {
    name: "port out of range",
    text: APP +
      "network:\n  mode: proxy\n  proxy:\n    allow:\n      - host: github.com\n        ports: [22, 70000]\n",
    expected: [
      "bad.yaml:9:21 network.proxy.allow[0].ports[1]: expected a port from 1 to 65535",
    ],
  },
  {
    name: "missing required key",
    text: "kind: app\ncommand: [foot]\n",
    expected: ["bad.yaml:1:1 template: missing; expected a name"],
  },
  {
    name: "command word YAML reads as a boolean",
    text: "kind: app\ntemplate: t\ncommand: [true]\n",
    expected: [
      'bad.yaml:3:11 command[0]: expected a string; quote words YAML reads as numbers or booleans, like "true"',
    ],
  },
  {
    name: "missing kind",
    text: "template: smoke\n",
    expected: [
      "bad.yaml:1:1 kind: missing; expected kind: app or kind: template",
    ],
  },
  {
    name: "wrong kind",
    text: "kind: vm\n",
    expected: [
      'bad.yaml:1:7 kind: expected kind: app or kind: template, got "vm"',
    ],
  },
  {
    name: "YAML syntax error",
    text: "kind: app\ntemplate: [smoke\n",
    expected: [],
  },
  {
    name: "document that is not a mapping",
    text: "- kind: app\n",
    expected: [
      "bad.yaml:1:1 expected kind: app or kind: template (a mapping)",
    ],
  },
  {
    name: "root user",
    text: APP + "user: root\n",
    expected: [
      "bad.yaml:4:7 user: apps never run as root: pick an unprivileged user name",
    ],
  },
  {
    name: "template with a bad package name and mirror",
    text:
      "kind: template\nmirror: ftp://example.org/debian\npackages: [Firefox]\n",
    expected: [
      "bad.yaml:2:9 mirror: expected an http(s) URL like http://deb.debian.org/debian",
      "bad.yaml:3:12 packages[0]: expected a Debian package name like firefox-esr",
    ],
  },
  {
    name: "second document of a file",
    text: "kind: template\n---\n" + APP + "cpus: 0\n",
    expected: ["bad.yaml:6:7 cpus: expected at least 1 CPU"],
  },
];

for (const { name, text, expected } of MALFORMED) {
  Deno.test(`malformed recipe: ${name}`, () => {
    const problems = problemsOf(text);
    if (name === "YAML syntax error") {
      assert.equal(problems.length >= 1, true, "a syntax problem is reported");
      assert.match(problems[0], /^bad\.yaml:\d+:\d+ YAML syntax error: /);
      return;
    }
    assert.deepEqual(problems, expected);
  });
}

Deno.test("YAML syntax error points at the unclosed flow sequence", () => {
  const [problem] = parseRecipes({
    text: "kind: app\ntemplate: [smoke\n",
    file: "bad.yaml",
    defaultName: "bad",
  }).problems;
  assert.equal(problem.line >= 2, true);
  assert.match(problem.message, /^YAML syntax error: .*flow/i);
});

Deno.test("defaults fill an app and the file name names it", () => {
  const { recipes, problems } = parseRecipes({
    text: APP,
    file: "x/editor.yaml",
    defaultName: "editor",
  });
  assert.deepEqual(problems, []);
  const [app] = recipes;
  assert.equal(app.kind, "app");
  if (app.kind !== "app") return;
  assert.equal(app.name, "editor");
  assert.equal(app.label, "editor");
  assert.equal(app.user, "user");
  assert.equal(app.memory, 2 ** 30);
  assert.equal(app.cpus, 1);
  assert.deepEqual(app.command, ["foot"]);
  assert.deepEqual(app.network, { mode: "none" });
  assert.deepEqual(app.templateOrigin, {
    file: "x/editor.yaml",
    line: 2,
    col: 11,
  });
});

Deno.test("display and label: defaults, shorthands and long forms", () => {
  const appOf = (extra: string) => {
    const { recipes, problems } = parseRecipes({
      text: APP + extra,
      file: "f.yaml",
      defaultName: "f",
    });
    assert.deepEqual(problems.map(formatProblem), []);
    const [app] = recipes;
    assert.equal(app.kind, "app");
    if (app.kind !== "app") throw new Error("unreachable");
    const { display, displayPolicy, label, colour } = app;
    return { display, displayPolicy, label, colour };
  };
  const defaults = { allow: [], deny: [], clipboard: "explicit" };
  assert.deepEqual(appOf(""), {
    display: "wayland",
    displayPolicy: defaults,
    label: "f",
    colour: "#cc0000",
  });
  assert.deepEqual(appOf("display: none\nlabel: work\n"), {
    display: "none",
    displayPolicy: defaults,
    label: "work",
    colour: "#cc0000",
  });
  assert.deepEqual(
    appOf(
      "display:\n  allow: [zwp_tablet_manager_v2]\n  deny: [wp_presentation]\n" +
        "  clipboard: shared\nlabel: {name: work, colour: blue}\n",
    ),
    {
      display: "wayland",
      displayPolicy: {
        allow: ["zwp_tablet_manager_v2"],
        deny: ["wp_presentation"],
        clipboard: "shared",
      },
      label: "work",
      colour: "#3584e4",
    },
  );
  // A colour alone keeps the app's name; hex is normalized to lowercase.
  assert.deepEqual(appOf('label: {colour: "#ABCDEF"}\n').label, "f");
  assert.deepEqual(appOf('label: {colour: "#ABCDEF"}\n').colour, "#abcdef");
  assert.deepEqual(appOf("display: {mode: none}\n").display, "none");
});

Deno.test("network shorthand and a command string", () => {
  const { recipes } = parseRecipes({
    text: "kind: app\ntemplate: t\ncommand: foot\nnetwork: user\n",
    file: "f.yaml",
    defaultName: "f",
  });
  const [app] = recipes;
  assert.equal(app.kind === "app" && app.network.mode, "user");
  assert.deepEqual(app.kind === "app" && app.command, ["foot"]);
});

Deno.test("an invalid file name needs an explicit name", () => {
  const problems = parseRecipes({
    text: "kind: template\n",
    file: "My Template.yaml",
    defaultName: "My Template",
  }).problems.map(formatProblem);
  assert.deepEqual(problems, [
    'My Template.yaml:1:1 name: missing, and the file name "My Template" is not a valid recipe name; add name: with at most 58 lowercase letters, digits and dashes',
  ]);
});

Deno.test("catalog: unknown template is reported at the reference", () => {
  const app = parseRecipes({
    text: "kind: app\ntemplate: nope\ncommand: [foot]\n",
    file: "a.yaml",
    defaultName: "a",
  });
  const template = parseRecipes({
    text: "kind: template\n",
    file: "t.yaml",
    defaultName: "base",
  });
  const catalog = assembleCatalog([[app, template]]);
  assert.deepEqual(catalog.problems.map(formatProblem), [
    'a.yaml:2:11 template: unknown template "nope" (known templates: base)',
  ]);
  assert.equal(catalog.apps.has("a"), false);
});

Deno.test("catalog: later layers override, duplicates in one layer fail", () => {
  const shipped = parseRecipes({
    text: "kind: template\npackages: [foot]\n",
    file: "recipes/base.yaml",
    defaultName: "base",
  });
  const user = parseRecipes({
    text: "kind: template\npackages: [vim]\n",
    file: "/home/u/base.yaml",
    defaultName: "base",
  });
  const overridden = assembleCatalog([[shipped], [user]]);
  assert.deepEqual(overridden.problems, []);
  assert.deepEqual(overridden.templates.get("base")?.packages, ["vim"]);

  const duplicated = assembleCatalog([[shipped, user]]);
  assert.deepEqual(duplicated.problems.map(formatProblem), [
    '/home/u/base.yaml:1:1 name: template "base" is already defined at recipes/base.yaml:1:1; give one of them another name',
  ]);
});
