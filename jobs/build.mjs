#!/usr/bin/env node
// Bundles the `fangst` command into .build/ (npm runs this on install, as `prepare`), so a run
// starts from plain JavaScript instead of compiling every TypeScript module through tsx's loader
// (most of a small night's CPU would go there). jobs/fangst.js uses the bundle only
// while it is newer than every source file; otherwise it runs the sources through tsx.
//
// Modules find their SQL, YAML and schema files next to themselves (import.meta.url): in the
// bundle each module's import.meta.url is rewritten to the address of its own source file,
// relative to the bundle, so those files are read from where they are in the project.
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const outdir = join(root, '.build');

const ownUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${join(root, 'node_modules')}`)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
      const rel = relative(outdir, args.path).split('\\').join('/');
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: [join(root, 'jobs', 'cli.ts')],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The libraries are bundled too: Node resolving, reading and lexing each of their modules (most
  // of them CommonJS) was most of a command's start-up. Left outside: DuckDB's native binding
  // (a .node file), pino (its transports start worker threads from files of their own), and
  // the build tools.
  external: ['@duckdb/node-bindings', '@duckdb/node-bindings-*', 'pino', 'pino-pretty', 'tsx', 'tsx/*', 'esbuild'],
  outdir,
  logLevel: 'warning',
  plugins: [ownUrl],
  metafile: true,
  // Bundled CommonJS modules call require() for Node's own modules, which ES modules lack.
  banner: { js: "import { createRequire as __fangstRequire } from 'node:module'; const require = __fangstRequire(import.meta.url);" },
});
// Every project file the bundle holds: jobs/fangst.js compares their times with the bundle's.
const sources = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/'));
await writeFile(join(outdir, 'sources.json'), `${JSON.stringify({ built_at: Date.now(), sources })}\n`);

// The shipped configuration files, parsed (config/parse-yaml.ts): each file's value as JSON under
// the sha256 of its text. Only values that JSON carries unchanged (not .inf or .nan).
const parsed = {};
for (const entry of await readdir(join(root, 'config'), { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !/\.ya?ml$/.test(entry.name)) continue;
  const text = await readFile(join(entry.parentPath ?? entry.path, entry.name), 'utf8');
  let value;
  try {
    value = parse(text);
  } catch {
    continue; // its error is the parser's to report, when a command reads it
  }
  const json = JSON.stringify(value);
  if (json !== undefined && isDeepStrictEqual(JSON.parse(json), value)) parsed[createHash('sha256').update(text).digest('hex')] = json;
}
await writeFile(join(outdir, 'yaml.json'), `${JSON.stringify(parsed)}\n`);
