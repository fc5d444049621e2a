/**
 * Software version code: one SHA-256 that identifies exactly the program a kiosk runs. The
 * election package lists the codes ONPE authorized; a station whose code is not listed refuses
 * to operate. The suite ships as TypeScript sources run through tsx, so hashing the sources
 * hashes what runs.
 *
 * Which files: under bin/, booth/, identity-station/, results-station/, transmission-station/,
 * shared/ and hardware-sim/, every regular file whose name ends with one of
 * PROGRAM_FILE_EXTENSIONS (code, markup, styles and assets), skipping any folder named
 * node_modules; plus package.json and package-lock.json at the root. Not test/, bench/, docs,
 * node_modules or .git. The file system is walked (kiosks have no git), symbolic links are
 * neither followed nor hashed (like `find -type f`).
 *
 * How: sort the relative POSIX paths by byte order (UTF-8, i.e. `LC_ALL=C sort`); for each
 * file write the line `path NUL size NUL sha256hex(content) LF` (size = decimal byte count);
 * the code is the lowercase hex SHA-256 of all lines concatenated.
 *
 * An auditor can recompute it from the root of the tree with standard tools (bash, GNU
 * findutils and coreutils; file names must not contain newlines):
 *
 *   { find bin booth identity-station results-station transmission-station shared hardware-sim \
 *       -name node_modules -prune -o -type f \( -name '*.ts' -o -name '*.mts' -o -name '*.cts' \
 *       -o -name '*.js' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.json' -o -name '*.html' \
 *       -o -name '*.css' -o -name '*.svg' -o -name '*.png' -o -name '*.jpg' -o -name '*.jpeg' \
 *       -o -name '*.gif' -o -name '*.webp' -o -name '*.ico' -o -name '*.wav' -o -name '*.mp3' \
 *       -o -name '*.ogg' -o -name '*.woff' -o -name '*.woff2' -o -name '*.ttf' -o -name '*.otf' \) \
 *       -print 2>/dev/null; ls package.json package-lock.json; } | LC_ALL=C sort \
 *   | while IFS= read -r f; do printf '%s\0%s\0%s\n' "$f" "$(stat -c %s "$f")" \
 *       "$(sha256sum < "$f" | cut -d' ' -f1)"; done | sha256sum | cut -d' ' -f1
 *
 * (AUDITOR_SHELL_COMMAND below is the same command; a test runs it against this code.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';

export const PROGRAM_DIRS = [
  'bin',
  'booth',
  'identity-station',
  'results-station',
  'transmission-station',
  'shared',
  'hardware-sim',
] as const;

export const ROOT_FILES = ['package.json', 'package-lock.json'] as const;

export const PROGRAM_FILE_EXTENSIONS = [
  '.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '.html', '.css',
  '.svg', '.png', '.jpg', '.jpeg', '.gif', '.webp', '.ico',
  '.wav', '.mp3', '.ogg', '.woff', '.woff2', '.ttf', '.otf',
] as const;

export const AUDITOR_SHELL_COMMAND =
  `{ find ${PROGRAM_DIRS.join(' ')} -name node_modules -prune -o -type f \\( ` +
  PROGRAM_FILE_EXTENSIONS.map((ext) => `-name '*${ext}'`).join(' -o ') +
  ` \\) -print 2>/dev/null; ls ${ROOT_FILES.join(' ')}; } | LC_ALL=C sort ` +
  `| while IFS= read -r f; do printf '%s\\0%s\\0%s\\n' "$f" "$(stat -c %s "$f")" ` +
  `"$(sha256sum < "$f" | cut -d' ' -f1)"; done | sha256sum | cut -d' ' -f1`;

export interface HashedFile {
  /** Relative POSIX path from the root. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

function isProgramFile(name: string): boolean {
  return PROGRAM_FILE_EXTENSIONS.some((ext) => name.endsWith(ext));
}

function collect(root: string, rel: string, out: string[]): void {
  for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const child = `${rel}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') collect(root, child, out);
    } else if (entry.isFile() && isProgramFile(entry.name)) {
      out.push(child);
    }
  }
}

/** The files covered by the code, in hashing order, with their sizes and digests. */
export function listSoftwareFiles(root: string): HashedFile[] {
  const paths: string[] = [];
  for (const dir of PROGRAM_DIRS) {
    const stat = fs.lstatSync(path.join(root, dir), { throwIfNoEntry: false });
    if (stat?.isDirectory()) collect(root, dir, paths);
  }
  for (const file of ROOT_FILES) {
    // Missing lockfile or package.json is a broken installation, not a variant to hash around.
    if (!fs.lstatSync(path.join(root, file), { throwIfNoEntry: false })?.isFile()) {
      throw new Error(`software version code: ${file} is missing in ${root}`);
    }
    paths.push(file);
  }
  paths.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  return paths.map((p) => {
    const content = fs.readFileSync(path.join(root, ...p.split('/')));
    return { path: p, size: content.length, sha256: createHash('sha256').update(content).digest('hex') };
  });
}

export function computeSoftwareVersionCode(root: string): string {
  const hash = createHash('sha256');
  for (const file of listSoftwareFiles(root)) hash.update(`${file.path}\0${file.size}\0${file.sha256}\n`, 'utf8');
  return hash.digest('hex');
}

/** Root of this checkout: this file is shared/software/version-code.ts. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let memo: string | undefined;

/** Code of the program running now, computed once per process. */
export function currentSoftwareVersionCode(): string {
  memo ??= computeSoftwareVersionCode(REPO_ROOT);
  return memo;
}

export const SOFTWARE_CODE_PATTERN = /^[0-9a-f]{64}$/;
