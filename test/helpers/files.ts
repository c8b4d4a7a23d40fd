import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)).filter((f) => statSync(f).isFile());
}

/** The contents of every file under each dir, as latin1 text, for searching for leaked secrets. */
export function contentsUnder(...dirs: string[]): string[] {
  return dirs.flatMap(filesUnder).map((f) => readFileSync(f, 'latin1'));
}
