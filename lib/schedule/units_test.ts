import assert from "node:assert/strict";
import { serviceUnit, systemdQuote, timerUnit } from "./units.ts";

Deno.test("the service runs the rebuild command, quoted for systemd", () => {
  assert.equal(
    serviceUnit({
      command: ["/home/a b/bin/qubesify", "build", "--fresh"],
      calendar: "weekly",
    }),
    `[Unit]
Description=Rebuild the qubesify kernel and templates from scratch
Documentation=man:qubesify(1)

[Service]
Type=oneshot
ExecStart="/home/a b/bin/qubesify" "build" "--fresh"
Nice=10
IOSchedulingClass=idle
`,
  );
  assert.throws(
    () => serviceUnit({ command: ["qubesify"], calendar: "weekly" }),
    /absolute/,
  );
});

Deno.test("systemdQuote escapes quotes, backslashes, specifiers and variables", () => {
  assert.equal(systemdQuote(`a"b\\c%d$e`), `"a\\"b\\\\c%%d$$e"`);
  assert.throws(() => systemdQuote("a\nb"), /newline/);
});

Deno.test("the timer is persistent with a randomized delay", () => {
  assert.equal(
    timerUnit({ command: ["/q"], calendar: "Sun 03:00" }),
    `[Unit]
Description=Rebuild the qubesify kernel and templates regularly

[Timer]
OnCalendar=Sun 03:00
Persistent=true
RandomizedDelaySec=1h

[Install]
WantedBy=timers.target
`,
  );
  assert.throws(
    () => timerUnit({ command: ["/q"], calendar: "weekly\nExecStart=/bin/sh" }),
    /calendar/,
  );
});
