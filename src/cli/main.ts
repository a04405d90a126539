// Entry point of the `sockwarden` command. Start-up time matters (pre-commit hooks): `--version`
// answers before anything else is loaded, and each command loads only its own modules.
import { VERSION } from "../version.js";

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(VERSION + "\n");
} else {
  const { run } = await import("./program.js");
  process.exitCode = await run(argv);
}
