import { Command } from "@commander-js/extra-typings";
import { stringify } from "yaml";
import type { CliContext } from "../context.ts";
import { CliError } from "../errors.ts";
import { formatTable } from "../style.ts";
import {
  type AppRecipe,
  assembleCatalog,
  formatProblem,
  formatSize,
  type ParsedRecipes,
  readRecipeDirectory,
  readRecipeFile,
  type Recipe,
  type RecipeCatalog,
  shippedRecipeDirectory,
  type TemplateRecipe,
  userRecipeDirectory,
} from "../../recipe/mod.ts";
import { effectiveAllowedGlobals } from "../../display/mod.ts";

/** `qubesify recipe ls|show|check`: inspect and validate recipes. */
export function recipeCommand(context: CliContext) {
  const recipe = new Command("recipe")
    .description(
      "List, show and validate recipes (shipped ones and ~/.config/qubesify/recipes).",
    );
  recipe.command("ls")
    .description("List templates and apps, and where each is defined.")
    .option("--json", "print JSON instead of a table")
    .action(async ({ json }) => {
      const catalog = await loadForCli(context);
      reportProblems(context, catalog);
      const recipes = [...catalog.templates.values(), ...catalog.apps.values()];
      if (json) {
        context.out(`${JSON.stringify(recipes.map(summarize), null, 2)}\n`);
        return;
      }
      context.out(formatTable([
        ["KIND", "NAME", "USES", "DEFINED AT"],
        ...recipes.map((r) => {
          const s = summarize(r);
          return [s.kind, s.name, s.uses, s.source];
        }),
      ]));
    });
  recipe.command("show")
    .description(
      "Print an app (with its template) or a template, with every default filled in.",
    )
    .argument("<name>", "app or template name")
    .option("--json", "print JSON instead of YAML")
    .action(async (name, { json }) => {
      const catalog = await loadForCli(context);
      const app = catalog.apps.get(name);
      const template = catalog.templates.get(app?.template ?? name);
      if (!app && !template) {
        reportProblems(context, catalog);
        const known = [...catalog.apps.keys(), ...catalog.templates.keys()]
          .sort().join(", ");
        throw new CliError(
          `no app or template named "${name}" (known: ${known})`,
        );
      }
      const shown = {
        ...(app ? { app: present(app) } : {}),
        ...(template ? { template: present(template) } : {}),
      };
      context.out(
        json ? `${JSON.stringify(shown, null, 2)}\n` : stringify(shown),
      );
    });
  recipe.command("check")
    .description(
      "Validate all recipes, and the given files against them; exit 1 on any problem.",
    )
    .argument("[files...]", "extra recipe files to validate")
    .action(async (files) => {
      const extra = await Promise.all(files.map((file) => readExtra(file)));
      const catalog = await loadForCli(context, extra);
      if (catalog.problems.length) {
        reportProblems(context, catalog);
        throw new CliError(
          `${catalog.problems.length} problem(s) found`,
        );
      }
      context.out(
        `${catalog.templates.size} templates and ${catalog.apps.size} apps are valid\n`,
      );
    });
  return recipe;
}

async function readExtra(file: string) {
  try {
    return await readRecipeFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new CliError(`${file}: no such file`);
    }
    throw error;
  }
}

async function loadForCli(
  context: CliContext,
  extra: ParsedRecipes[] = [],
): Promise<RecipeCatalog> {
  const shipped = await readRecipeDirectory(shippedRecipeDirectory());
  const user = await readRecipeDirectory(
    userRecipeDirectory(context.paths().config),
  );
  return assembleCatalog([shipped, user, extra]);
}

function reportProblems(context: CliContext, catalog: RecipeCatalog): void {
  for (const problem of catalog.problems) {
    context.err(`${formatProblem(problem)}\n`);
  }
}

function summarize(recipe: Recipe) {
  return {
    kind: recipe.kind,
    name: recipe.name,
    uses: recipe.kind === "app" ? recipe.template : `debian ${recipe.suite}`,
    source: `${recipe.origin.file}:${recipe.origin.line}`,
  };
}

/**
 * A recipe as a person reads it: sizes as text, display and label in their
 * long forms with the effective list of globals, no bookkeeping fields.
 */
function present(recipe: AppRecipe | TemplateRecipe) {
  if (recipe.kind === "template") {
    const { origin: _origin, ...rest } = recipe;
    return rest;
  }
  const {
    origin: _origin,
    templateOrigin: _at,
    memory,
    display,
    displayPolicy,
    label,
    colour,
    ...rest
  } = recipe;
  return {
    ...rest,
    memory: formatSize(memory),
    display: display === "none" ? { mode: display } : {
      mode: display,
      clipboard: displayPolicy.clipboard,
      allow: displayPolicy.allow,
      deny: displayPolicy.deny,
      // What the display guard will announce: its defaults, allow, deny.
      globals: effectiveAllowedGlobals(displayPolicy),
    },
    label: { name: label, colour },
  };
}
