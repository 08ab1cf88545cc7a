import { Command } from "@commander-js/extra-typings";
import type { CliContext } from "../context.ts";
import { NotBuiltYetError } from "../errors.ts";

/** `qubesify image build|ls|gc`: read-only Debian template images. */
export function imageCommand(_context: CliContext) {
  const image = new Command("image")
    .description("Build and manage read-only Debian template images.");
  image.command("build")
    .description("Build a template image from scratch with mmdebstrap.")
    .argument("<template>", "template recipe name")
    .option("--verbose", "show the full mmdebstrap output")
    .action(() => {
      throw new NotBuiltYetError("image build");
    });
  image.command("ls")
    .description("List built images: template, date, size, which is current.")
    .option("--json", "print JSON instead of a table")
    .action(() => {
      throw new NotBuiltYetError("image ls");
    });
  image.command("gc")
    .description(
      "Delete old images, keeping the newest per template and any in use.",
    )
    .option("--keep <n>", "images to keep per template", "2")
    .action(() => {
      throw new NotBuiltYetError("image gc");
    });
  return image;
}
