import assert from "node:assert/strict";
import {
  desktopFileName,
  quoteExecArgument,
  renderDesktopEntry,
} from "./entry.ts";

Deno.test("the entry runs the app through qubesify", () => {
  assert.equal(desktopFileName("firefox"), "qubesify-firefox.desktop");
  assert.equal(
    renderDesktopEntry({
      app: "firefox",
      label: "firefox",
      qubesify: ["/home/ada/bin/qubesify"],
    }),
    `[Desktop Entry]
Type=Application
Name=firefox (disposable VM)
Comment=Runs firefox in a disposable qubesify micro VM
Exec=/home/ada/bin/qubesify run firefox
Terminal=false
Categories=Utility;
X-Qubesify-App=firefox
`,
  );
});

Deno.test("Exec arguments are quoted and escaped per the specification", () => {
  assert.equal(quoteExecArgument("plain"), "plain");
  assert.equal(quoteExecArgument("/home/a b/q"), '"/home/a b/q"');
  assert.equal(quoteExecArgument("100%"), "100%%");
  // `"` and `$` get a backslash inside quotes; each backslash is then
  // doubled by the string escaping of the value.
  assert.equal(quoteExecArgument('a"b$c'), '"a\\\\"b\\\\$c"');
  assert.equal(quoteExecArgument("a\\b"), '"a\\\\\\\\b"');
  assert.throws(() => quoteExecArgument("a\nb"), /line breaks/);
});
