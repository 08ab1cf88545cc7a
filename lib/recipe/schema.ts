/**
 * The two kinds of recipe document, as zod schemas: a template (a Debian
 * system image) and an app (what runs in a VM booted from a template).
 *
 * @module
 */
import { z } from "zod";
import { closedObject } from "./closed_object.ts";
import { isSize, parseSize } from "./size.ts";
import { proxyPolicySchema } from "./proxy_policy.ts";
import { colourSchema, DEFAULT_LABEL_COLOUR } from "./colour.ts";
import { displaySchema } from "./display_policy.ts";
import { guestPathProblem } from "./guest_path.ts";
import { isPrintable } from "./problem.ts";

/**
 * The longest recipe name. A VM is named `<app>-<n>` and that is its guest
 * host name, which Linux and DNS cap at 63 characters: 58 leaves room for
 * `-9999`. Template names follow the same rule, so one rule fits both.
 */
export const MAX_NAME_LENGTH = 58;

const NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
const NAME_RULE =
  "lowercase letters, digits and dashes, starting with a letter or digit";

/**
 * A recipe name. Names become file and folder names, desktop entry names
 * (`qubesify-<app>.desktop`) and, with `-<n>`, VM and guest host names.
 */
export const nameSchema = z.string({ error: "expected a name" }).regex(
  NAME_PATTERN,
  { error: `expected a name of ${NAME_RULE}` },
).max(MAX_NAME_LENGTH, {
  error:
    `expected a name of at most ${MAX_NAME_LENGTH} characters (VMs are named <name>-<n>, and host names end at 63)`,
});

/** Whether `name` is a valid recipe name. */
export function isRecipeName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(name);
}

const sizeSchema = z.string({ error: "expected a size like 2G" })
  .refine(isSize, { error: "expected a size like 2G" })
  .transform(parseSize);

const debianPackage = z.string({ error: "expected a Debian package name" })
  .regex(/^[a-z0-9][a-z0-9+.-]+$/, {
    error: "expected a Debian package name like firefox-esr",
  });

const guestPath = z.string({ error: "expected an absolute path" }).check(
  (ctx) => {
    const problem = guestPathProblem(ctx.value);
    if (problem) {
      ctx.issues.push({ code: "custom", input: ctx.value, message: problem });
    }
  },
);

const extraFile = closedObject({
  path: guestPath,
  content: z.string({ error: "expected the file's text" }),
  // No setuid, setgid or sticky bits: a recipe's files are configuration
  // and scripts; programs that need privileges come from packages.
  mode: z.string({ error: 'expected an octal mode like "0644"' })
    .regex(/^0?[0-7]{3}$/, {
      error:
        'expected an octal mode like "0644" or "0755" (no setuid, setgid or sticky bits)',
    })
    .default("0644"),
});

/** A template: everything installed in one read-only image. */
export const templateSchema = closedObject({
  kind: z.literal("template"),
  name: nameSchema.optional(),
  suite: z.string({ error: "expected a Debian suite like trixie" }).regex(
    /^[a-z][a-z-]*$/,
    { error: "expected a Debian suite like trixie" },
  ).default("trixie"),
  mirror: z.url({
    protocol: /^https?$/,
    error: "expected an http(s) URL like http://deb.debian.org/debian",
  }).default("http://deb.debian.org/debian"),
  packages: z.array(debianPackage, {
    error: "expected a list of Debian package names",
  }).default([]),
  files: z.array(extraFile, {
    error: "expected a list of {path, content, mode} entries",
  }).default([]),
});

const networkMode = z.enum(["none", "user", "tap", "proxy"], {
  error: "expected one of: none, user, tap, proxy",
});

const NETWORK_FORMS =
  "expected none, user, tap, or a mapping like {mode: proxy, proxy: {allow: [...]}}";

const networkObject = closedObject({
  mode: networkMode,
  tap: z.string({ error: "expected a TAP device name" }).regex(
    /^[A-Za-z0-9_.-]{1,15}$/,
    { error: "expected a network interface name of at most 15 characters" },
  ).optional(),
  proxy: proxyPolicySchema.optional(),
}, NETWORK_FORMS).check((ctx) => {
  const { mode, proxy, tap } = ctx.value;
  if (mode === "proxy" && !proxy) {
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      path: ["mode"],
      message:
        "proxy needs a policy: add proxy: {allow: [{host: example.org}]} beside mode",
    });
  }
  if (mode !== "proxy" && proxy) {
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      path: ["proxy"],
      message:
        `a proxy policy only applies with mode: proxy, not mode: ${mode}`,
    });
  }
  if (mode !== "tap" && tap) {
    ctx.issues.push({
      code: "custom",
      input: ctx.value,
      path: ["tap"],
      message: `a TAP device only applies with mode: tap, not mode: ${mode}`,
    });
  }
});

/** `network: user` is short for `network: {mode: user}`. */
const networkSchema = z.preprocess(
  (network) => typeof network === "string" ? { mode: network } : network,
  networkObject,
);

const labelName = z.string({ error: "expected a short label" }).min(1, {
  error: "expected a label of at least one character",
}).max(32, {
  error: "expected a label of at most 32 characters",
}).refine(isPrintable, {
  // The label is put in window titles, where a line break would cut it and
  // a bidirectional override would make it read as something else.
  error:
    "expected a label without control, line break or bidirectional formatting characters",
});

/**
 * `label:` as a name (`label: work`, coloured red) or a mapping
 * (`label: {name: work, colour: blue}`); absent, the name is the app's
 * and the colour red.
 */
const labelSchema = z.preprocess(
  (label) =>
    label === undefined
      ? {}
      : typeof label === "string"
      ? { name: label }
      : label,
  closedObject({
    name: labelName.optional(),
    colour: colourSchema.default(DEFAULT_LABEL_COLOUR),
  }, "expected a label name or a mapping like {name: work, colour: blue}"),
);

/** An app: a command run as an unprivileged user in a VM from a template. */
export const appSchema = closedObject({
  kind: z.literal("app"),
  name: nameSchema.optional(),
  template: nameSchema,
  command: z.preprocess(
    (command) => typeof command === "string" ? [command] : command,
    z.array(
      z.string({
        error:
          'expected a string; quote words YAML reads as numbers or booleans, like "true"',
      }),
      {
        error:
          "expected a command name or a list like [firefox-esr, --new-window]",
      },
    ).min(1, { error: "expected at least the program to run" }),
  ),
  user: z.string({ error: "expected a user name" }).regex(
    /^[a-z_][a-z0-9_-]{0,31}$/,
    { error: "expected a Unix user name like user" },
  ).refine((user) => user !== "root", {
    error: "apps never run as root: pick an unprivileged user name",
  }).default("user"),
  memory: sizeSchema.default(parseSize("1G")).refine(
    (bytes) => bytes >= parseSize("64M"),
    { error: "expected at least 64M" },
  ),
  cpus: z.number({ error: "expected a number of CPUs" }).int({
    error: "expected a whole number of CPUs",
  }).min(1, { error: "expected at least 1 CPU" }).max(64, {
    error: "expected at most 64 CPUs",
  }).default(1),
  display: displaySchema,
  audio: z.enum(["none", "playback", "duplex"], {
    error: "expected one of: none, playback, duplex",
  }).default("none"),
  network: networkSchema.default({ mode: "none" }),
  persist: z.enum(["none", "home"], { error: "expected one of: none, home" })
    .default("none"),
  label: labelSchema,
  env: z.record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
      error: "expected environment variable names like MOZ_ENABLE_WAYLAND",
    }),
    z.string({ error: "expected a string value (quote numbers)" }),
    { error: "expected a mapping of variable names to values" },
  ).default({}),
});

/** A template document after validation and defaults. */
export type TemplateDocument = z.infer<typeof templateSchema>;
/** An app document after validation and defaults. */
export type AppDocument = z.infer<typeof appSchema>;
