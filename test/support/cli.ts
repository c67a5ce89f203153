import db from "../../app/db.server";

/** IO for `runCli` that keeps what a command prints, on the test's database. */
export function captureCli() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { db, stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text) } },
    stdout: () => out.join(""),
    stderr: () => err.join(""),
    json: () => JSON.parse(out.join("")),
  };
}
