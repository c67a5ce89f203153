// Roost's ops CLI: `npm run roost -- <command> [--shop <domain>] [--json]`.
import { runCli } from "../app/cli/roost.server";

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
// Output to a pipe drains asynchronously: exit only after every byte written has been handed
// over (an empty write's callback runs after the writes queued before it), or with a non-zero
// status if it could not be.
for (const stream of [process.stdout, process.stderr]) {
  await new Promise<void>((resolve) =>
    stream.write("", (error) => {
      if (error) process.exitCode = 1;
      resolve();
    }),
  );
}
// The database client keeps the event loop alive; the command is done.
process.exit();
