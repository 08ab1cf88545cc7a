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

const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
const NAME_RULE =
  "lowercase letters, digits and dashes, starting with a letter or digit";

/** A recipe name; names become file and directory names. */
export const nameSchema = z.string({ error: "expected a name" }).regex(
  NAME_PATTERN,
  { error: `expected a name of ${NAME_RULE}` },
);

/** Whether `name` is a valid recipe name. */
export function isRecipeName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

const sizeSchema = z.string({ error: "expected a size like 2G" })
  .refine(isSize, { error: "expected a size like 2G" })
  .transform(parseSize);

const debianPackage = z.string({ error: "expected a Debian package name" })
  .regex(/^[a-z0-9][a-z0-9+.-]+$/, {
    error: "expected a Debian package name like firefox-esr",
  });

const extraFile = closedObject({
  path: z.string({ error: "expected an absolute path" }).regex(/^\/[^\0]*$/, {
    error: "expected an absolute path inside the image",
  }),
  content: z.string({ error: "expected the file's text" }),
  mode: z.string({ error: 'expected an octal mode like "0644"' })
    .regex(/^0?[0-7]{3,4}$/, { error: 'expected an octal mode like "0644"' })
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
  display: z.enum(["wayland", "none"], {
    error: "expected one of: wayland, none",
  }).default("wayland"),
  audio: z.enum(["none", "playback", "duplex"], {
    error: "expected one of: none, playback, duplex",
  }).default("none"),
  network: networkSchema.default({ mode: "none" }),
  persist: z.enum(["none", "home"], { error: "expected one of: none, home" })
    .default("none"),
  label: z.string({ error: "expected a short label" }).min(1).max(32, {
    error: "expected a label of at most 32 characters",
  }).optional(),
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
