import assert from "node:assert/strict";
import { parseRecipes } from "./parse.ts";
import { formatProblem, isPrintable } from "./problem.ts";

Deno.test("problems show what they quote from a recipe escaped", () => {
  const { problems } = parseRecipes({
    text: 'kind: app\ntemplate: t\ncommand: [x]\n"\\e]0;pwned\\a\\u202e": 1\n' +
      '---\nkind: "\\e[2J\\r"\n',
    file: "evil\u001b[31m.yaml",
    defaultName: "evil",
  });
  const lines = problems.map(formatProblem);
  assert.deepEqual(lines, [
    "evil\\u001b[31m.yaml:4:1 \\u001b]0;pwned\\u0007\\u202e: unknown key; expected one of: kind, name, template, command, user, memory, cpus, display, audio, network, persist, label, env",
    'evil\\u001b[31m.yaml:6:7 kind: expected kind: app or kind: template, got "\\u001b[2J\\u000d"',
  ]);
  for (const line of lines) assert.ok(isPrintable(line), line);
});

Deno.test("printable text keeps letters of every script", () => {
  assert.ok(isPrintable("Grüße, עברית, 日本語 😀"));
  assert.equal(isPrintable("tab\there"), false);
  assert.equal(isPrintable("a\u2029b"), false);
});
