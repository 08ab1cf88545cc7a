import assert from "node:assert/strict";
import { parseRecipes } from "./parse.ts";
import { formatProblem } from "./problem.ts";
import { isRecipeName, MAX_NAME_LENGTH } from "./schema.ts";

function problemsOf(text: string, defaultName = "bad"): string[] {
  return parseRecipes({ text, file: "bad.yaml", defaultName }).problems.map(
    formatProblem,
  );
}

const TEMPLATE = "kind: template\nfiles:\n";

Deno.test("template files: paths must be normal absolute guest paths", () => {
  const cases: [string, string][] = [
    ["/../../../../tmp/x", '"." or ".." segments'],
    ["/etc/./x", '"." or ".." segments'],
    ["//x", "empty segments"],
    ["relative/x", "an absolute path inside the image"],
  ];
  for (const [path, expected] of cases) {
    const problems = problemsOf(
      `${TEMPLATE}  - path: ${path}\n    content: x\n`,
    );
    assert.equal(problems.length, 1, path);
    assert.ok(
      problems[0].startsWith("bad.yaml:3:11 files[0].path: expected "),
      problems[0],
    );
    assert.ok(problems[0].includes(expected), problems[0]);
  }
  assert.deepEqual(
    problemsOf(`${TEMPLATE}  - path: /etc/motd\n    content: x\n`),
    [],
  );
});

Deno.test("template files: no setuid, setgid or sticky bits", () => {
  for (const mode of ["4755", "2755", "1777", "04755", "06755"]) {
    assert.deepEqual(
      problemsOf(
        `${TEMPLATE}  - path: /usr/bin/x\n    content: x\n    mode: "${mode}"\n`,
      ),
      [
        'bad.yaml:5:11 files[0].mode: expected an octal mode like "0644" or "0755" (no setuid, setgid or sticky bits)',
      ],
      mode,
    );
  }
  for (const mode of ["0755", "755", "0600", "0777"]) {
    assert.deepEqual(
      problemsOf(
        `${TEMPLATE}  - path: /usr/bin/x\n    content: x\n    mode: "${mode}"\n`,
      ),
      [],
      mode,
    );
  }
});

Deno.test("names fit a host name with -<n> up to four digits", () => {
  const longest = "a".repeat(MAX_NAME_LENGTH);
  assert.ok(isRecipeName(longest));
  const vm = `${longest}-9999`;
  assert.ok(vm.length <= 63, "a guest host name is at most 63 characters");
  assert.ok(!isRecipeName(`${longest}a`));

  const app = (name: string) =>
    `kind: app\nname: ${name}\ntemplate: t\ncommand: [x]\n`;
  assert.deepEqual(problemsOf(app(longest)), []);
  const tooLong = `${longest}a`;
  assert.deepEqual(problemsOf(app(tooLong)), [
    `bad.yaml:2:7 name: expected a name of at most ${MAX_NAME_LENGTH} characters (VMs are named <name>-<n>, and host names end at 63)`,
  ]);
  // The 62 characters that used to fail late, at `run`.
  assert.equal(problemsOf(app("b".repeat(62))).length, 1);
  assert.deepEqual(
    problemsOf(`kind: app\ntemplate: ${tooLong}\ncommand: [x]\n`),
    [
      `bad.yaml:2:11 template: expected a name of at most ${MAX_NAME_LENGTH} characters (VMs are named <name>-<n>, and host names end at 63)`,
    ],
  );
  assert.deepEqual(problemsOf(`kind: template\nname: ${tooLong}\n`), [
    `bad.yaml:2:7 name: expected a name of at most ${MAX_NAME_LENGTH} characters (VMs are named <name>-<n>, and host names end at 63)`,
  ]);
});

Deno.test("a file name too long to be a recipe name says so", () => {
  assert.deepEqual(
    problemsOf("kind: app\ntemplate: t\ncommand: [x]\n", "c".repeat(59)),
    [
      `bad.yaml:1:1 name: missing, and the file name "${
        "c".repeat(59)
      }" is not a valid recipe name; add name: with at most ${MAX_NAME_LENGTH} lowercase letters, digits and dashes`,
    ],
  );
});

Deno.test("labels refuse bidirectional overrides and line separators", () => {
  for (
    const label of ["\\u202Eexe.txt", "a\\u2066b", "a\\u2028b", "\\u200Fx"]
  ) {
    assert.deepEqual(
      problemsOf(`kind: app\ntemplate: t\ncommand: [x]\nlabel: "${label}"\n`),
      [
        "bad.yaml:4:8 label: expected a label without control, line break or bidirectional formatting characters",
      ],
      label,
    );
  }
  assert.deepEqual(
    problemsOf('kind: app\ntemplate: t\ncommand: [x]\nlabel: "עבודה 😀"\n'),
    [],
  );
});
