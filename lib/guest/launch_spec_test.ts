import assert from "node:assert/strict";
import {
  encodeLaunchSpec,
  frameLaunchSpec,
  shellQuote,
} from "./launch_spec.ts";
import { vmServicePorts } from "./ports.ts";

Deno.test("shellQuote survives quotes, spaces and shell syntax", async () => {
  const nasty = [
    "plain",
    "it's",
    "$(touch /tmp/pwned) `id` $HOME",
    "line\nbreak",
    "",
    "'''",
    "\\",
  ];
  // Let a real shell read the quoted words back.
  const script = `for word in ${
    nasty.map(shellQuote).join(" ")
  }; do printf '%s\\0' "$word"; done`;
  const output = await new Deno.Command("sh", { args: ["-c", script] })
    .output();
  const words = new TextDecoder().decode(output.stdout).split("\0").slice(
    0,
    -1,
  );
  assert.deepEqual(words, nasty);
  assert.throws(() => shellQuote("a\0b"), /NUL/);
});

Deno.test("the launch spec is exact, hand-written text", () => {
  const text = encodeLaunchSpec({
    hostname: "smoke-1",
    user: "user",
    argv: ["sh", "-c", "echo 'hi'; exit 3"],
    env: { LANG: "C.UTF-8" },
    display: "none",
    audio: "playback",
  });
  assert.equal(
    text,
    `# qubesify launch spec v1
QUBESIFY_HOSTNAME='smoke-1'
QUBESIFY_USER='user'
QUBESIFY_DISPLAY='none'
QUBESIFY_AUDIO='playback'
QUBESIFY_WAYLAND_PORT=7000
QUBESIFY_AUDIO_PORT=7001
QUBESIFY_EGRESS_PORT=7002
QUBESIFY_CONTROL_PORT=7003
QUBESIFY_WAYPIPE_COMPRESS='lz4'
QUBESIFY_NAMESERVER=''
QUBESIFY_EGRESS='none'
QUBESIFY_HOME_DISK=''
qubesify_write_files() {
  :
}
qubesify_app_env() {
  :
  export LANG='C.UTF-8'
}
set -- 'sh' '-c' 'echo '\\''hi'\\''; exit 3'
`,
  );
});

Deno.test("a sourced spec sets argv and env exactly", async () => {
  const spec = encodeLaunchSpec({
    hostname: "t",
    user: "user",
    argv: ["printf", "%s|", "a b", "c'd", "$(x)"],
    env: { GREETING: "hello 'world'" },
    display: "none",
    audio: "none",
  });
  const file = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(file, spec);
    const output = await new Deno.Command("sh", {
      args: [
        "-c",
        `. "$0"; qubesify_app_env; "$@"; printf '%s' "$GREETING"`,
        file,
      ],
    }).output();
    assert.equal(
      new TextDecoder().decode(output.stdout),
      "a b|c'd|$(x)|hello 'world'",
    );
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("files and the egress proxy: exact text, written as given by sh", async () => {
  const spec = {
    hostname: "dev-1",
    user: "user",
    argv: ["true"],
    env: {},
    display: "none" as const,
    audio: "none" as const,
    egressProxy: true,
    files: {
      "/etc/apt/apt.conf.d/90proxy": 'Acquire::http::Proxy "x";\n',
      "/etc/it's here": "$(no) `expansion`",
    },
  };
  const text = encodeLaunchSpec(spec);
  assert.ok(text.includes(`QUBESIFY_EGRESS='proxy'
QUBESIFY_HOME_DISK=''
qubesify_write_files() {
  :
  mkdir -p '/etc/apt/apt.conf.d'
  printf '%s' 'Acquire::http::Proxy "x";
' >'/etc/apt/apt.conf.d/90proxy'
  chmod 0644 '/etc/apt/apt.conf.d/90proxy'
  mkdir -p '/etc'
  printf '%s' '$(no) \`expansion\`' >'/etc/it'\\''s here'
  chmod 0644 '/etc/it'\\''s here'
}
`));
  const root = await Deno.makeTempDir({ prefix: "qubesify-spec-files-" });
  try {
    const rooted = encodeLaunchSpec({
      ...spec,
      files: Object.fromEntries(
        Object.entries(spec.files).map((
          [path, content],
        ) => [root + path, content]),
      ),
    });
    await Deno.writeTextFile(`${root}/spec`, rooted);
    const output = await new Deno.Command("sh", {
      args: ["-c", `. "$0"; qubesify_write_files`, `${root}/spec`],
    }).output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    assert.equal(
      await Deno.readTextFile(`${root}/etc/apt/apt.conf.d/90proxy`),
      'Acquire::http::Proxy "x";\n',
    );
    assert.equal(
      await Deno.readTextFile(`${root}/etc/it's here`),
      "$(no) `expansion`",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("bad specs are refused", () => {
  const base = {
    hostname: "t",
    user: "user",
    argv: ["true"],
    env: {},
    display: "none" as const,
    audio: "none" as const,
  };
  assert.throws(
    () => encodeLaunchSpec({ ...base, argv: [] }),
    /needs a command/,
  );
  assert.throws(
    () => encodeLaunchSpec({ ...base, hostname: "A B" }),
    /host name/,
  );
  assert.throws(
    () => encodeLaunchSpec({ ...base, env: { "A;rm": "x" } }),
    /environment variable name/,
  );
  for (const path of ["etc/relative", "/etc/../root/x", "/etc/dir/", "/"]) {
    assert.throws(
      () => encodeLaunchSpec({ ...base, files: { [path]: "" } }),
      /absolute guest path/,
      path,
    );
  }
});

Deno.test("frames carry the byte length, not the character count", () => {
  const frame = new TextDecoder().decode(frameLaunchSpec("é\n"));
  assert.equal(frame, "qubesify-launch-spec v1 3\né\n");
});

Deno.test("the spec carries the VM's own ports when it has them", () => {
  const base = {
    hostname: "t",
    user: "user",
    argv: ["true"],
    env: {},
    display: "wayland",
    audio: "playback",
  } as const;
  const text = encodeLaunchSpec({ ...base, ports: vmServicePorts(100) });
  for (
    const line of [
      "QUBESIFY_WAYLAND_PORT=1000400",
      "QUBESIFY_AUDIO_PORT=1000401",
      "QUBESIFY_EGRESS_PORT=1000402",
      "QUBESIFY_CONTROL_PORT=1000403",
    ]
  ) {
    assert.ok(text.split("\n").includes(line), line);
  }
  assert.throws(
    () =>
      encodeLaunchSpec({
        ...base,
        ports: { ...vmServicePorts(100), audio: 0xffff_ffff },
      }),
    /no vsock port \(audio\)/,
  );
});
