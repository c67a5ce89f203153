import fs from "node:fs";
import path from "node:path";

/** The directories on PATH, in order. */
export const pathDirs = (): string[] => (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);

const executable = (file: string): boolean => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The first of `dirs` holding every one of `tools` as an executable, or null. */
export function dirWithExecutables(dirs: readonly (string | undefined)[], tools: readonly string[]): string | null {
  for (const dir of dirs) if (dir && tools.every((tool) => executable(path.join(dir, tool)))) return dir;
  return null;
}

/** The first executable file of `files`, or null. */
export function firstExecutable(files: readonly (string | undefined)[]): string | null {
  return files.find((file): file is string => !!file && executable(file)) ?? null;
}
