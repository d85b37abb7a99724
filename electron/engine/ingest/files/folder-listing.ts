// Folder mode: the files a folder source reads, its subfolders included. Links are where a folder
// can reach outside itself (x.log -> ~/.ssh/id_rsa): one into the folder is read under its target's
// own name, one out of it only when the user asked for links to be followed.
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative } from 'node:path';
import { errorText, isMissing } from './fs-errors.js';

/** Says why a path is not read (the source shows it). */
export type ReportProblem = (path: string, problem: string) => void;

/**
 * Every file under `root` to read, as paths. `realRoot`: the folder with its links resolved, to tell
 * where a link inside it points.
 */
export async function listFolderFiles(root: string, realRoot: string, followSymlinks: boolean, report: ReportProblem): Promise<string[]> {
  const out: string[] = [];
  await listFiles(root, realRoot, followSymlinks, report, out);
  return out;
}

async function listFiles(dir: string, realRoot: string, followSymlinks: boolean, report: ReportProblem, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (!isMissing(err)) report(dir, errorText(err));
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await listFiles(path, realRoot, followSymlinks, report, out);
    else if (entry.isFile()) out.push(path);
    else if (entry.isSymbolicLink() && (await followsLink(path, realRoot, followSymlinks, report))) out.push(path);
  }
}

/**
 * A link to a file in the folder is not read through the link: the file is read under its own
 * name. A link out of the folder (x.log -> ~/.ssh/id_rsa) is read only when the user asked for
 * links to be followed; otherwise the source says why it is skipped.
 */
async function followsLink(path: string, realRoot: string, followSymlinks: boolean, report: ReportProblem): Promise<boolean> {
  const target = await realpath(path).catch(() => null);
  if (target === null) return false; // dangling: nothing to read (yet)
  const rel = relative(realRoot, target);
  if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) return false;
  if (followSymlinks) return true;
  if ((await stat(target).catch(() => null))?.isFile()) {
    report(
      path,
      `${basename(path)} is a link to ${target} outside the folder: not followed (add it as its own source, or turn on following links)`,
    );
  }
  return false;
}
