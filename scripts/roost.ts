// Roost's ops CLI: `npm run roost -- <command> [--shop <domain>] [--json]`.
import { runCli } from "../app/cli/roost.server";

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
// The database client keeps the event loop alive; the command is done.
process.exit();
