// What `fangst lab-quality EXTRACT...` reads: each argument is a file or a folder. Files are
// recognised the way the nightly job recognises inbox files (ingest/discover.ts): by the lab
// layouts of config/sources, by the layouts of a mapping file (a foreign extract), or as the
// clinic register; a file that none of them claims is read as FHIR when it holds an Observation
// (transforms/ingest/fhir.ts fhirForm).
import { stat } from 'node:fs/promises';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { NotFound } from '../../../config/errors.ts';
import { type Delivery, type PipelineConfig } from '../../../config/load.ts';
import { discoverInbox, NO_LAYOUT } from '../../../transforms/ingest/discover.ts';
import { hasIdentifier, maskIdentifiers } from '../../../transforms/privacy/identifiers.ts';
import { deliveryTarget, registerTarget, type StageTarget } from '../../../transforms/ingest/stage.ts';
import { fhirForm, type FhirForm, type FhirLines } from '../../../transforms/ingest/fhir.ts';
import { loadLabMapping, type LabMapping, type MappedDelivery } from './mapping.ts';

export type LabInput =
  | {
    readonly file: string; readonly path: string; readonly bytes: number; readonly role: 'delivery'; readonly target: StageTarget; readonly system: string; readonly layout: string;
    /** The lab mapping's delivery, for a file read with a --mapping layout. */
    readonly mapped?: MappedDelivery;
    /** The zone times without an offset are read in, when not the configured one. */
    readonly timeZone?: string;
    /** The file's delivery time read from its own column (the mapping's delivered_at: { column }); null when no row has one. */
    readonly deliveredAt?: Date | null;
    /**
     * Declared Latin-1 by its mapping but UTF-8, or UTF-8 lines beside Latin-1 ones
     * (transforms/ingest/utf8-check.ts): how it was read instead, said as a warning.
     */
    readonly readAs?: string;
  }
  | { readonly file: string; readonly path: string; readonly bytes: number; readonly role: 'register'; readonly target: StageTarget }
  | {
    readonly file: string; readonly path: string; readonly bytes: number; readonly role: 'fhir'; readonly form: FhirForm;
    /** Lines that are not UTF-8, a document read as one line (fhir-lines.ts, fhir.ts): how it was read, said in the report. */
    readonly readAs?: string;
  } & FhirLines
  | { readonly file: string; readonly path: string; readonly bytes: number; readonly role: 'unrecognised'; readonly reason: string };

/**
 * Reads a mapping file for a foreign extract: a source layout like the ones in config/sources
 * (same keys, same validation, errors naming file, key, found and expected), with at least one
 * delivery of kind laboratoriesvar, and the keys only a foreign extract needs (mapping.ts).
 */
export async function loadMapping(file: string): Promise<LabMapping> {
  return loadLabMapping(file);
}

/**
 * Lists every input file with what it is. A mapping's layouts are tried before the nine
 * journal systems' (the analyst named it for a reason); a single file given on the command
 * line that matches no name pattern is read with the mapping when the mapping has exactly one
 * lab layout.
 */
export async function resolveInputs(args: readonly string[], config: PipelineConfig, mapping: readonly Delivery[]): Promise<LabInput[]> {
  const labLayouts = config.deliveries.filter((d) => d.kind === 'laboratoriesvar');
  const out: { input: LabInput; root: string }[] = [];
  const seen = new Set<string>();
  for (const arg of args) {
    const path = resolve(arg);
    let info;
    try {
      info = await stat(path);
    } catch {
      throw new NotFound('file or folder', arg, 'EXTRACT names lab files or folders of them');
    }
    const isDir = info.isDirectory();
    const root = isDir ? path : dirname(path);
    const only = isDir ? null : basename(path);
    const found: LabInput[] = [];
    const first = mapping.length ? await discover(config, root, mapping) : [];
    const rest = await discover(config, root, labLayouts);
    const byFile = new Map(rest.map((e) => [e.file, e]));
    const entries = mapping.length ? first : rest;
    for (const e of entries) {
      // by its path: a name holding a CPR number is listed masked, and must still be found (and
      // a file of the same name in a folder below is another file)
      if (only !== null && e.path !== path) continue;
      // never read, whatever would claim it: its name would reach every output
      if (e.role === 'unrecognised' && hasIdentifier(relative(root, e.path))) {
        found.push(e);
        continue;
      }
      if (e.role === 'unrecognised') {
        const other = byFile.get(e.file);
        if (other && other.role !== 'unrecognised') {
          found.push(other);
          continue;
        }
        // a register named on its own: its folder is not there to match the register pattern
        if (only !== null && picomatch(basename(config.register.files))(only)) {
          found.push({ file: e.file, path: e.path, bytes: e.bytes, role: 'register', target: registerTarget(config.register) });
          continue;
        }
        if (only !== null && mapping.length === 1) {
          found.push(deliveryInput(e.file, e.path, e.bytes, mapping[0]!));
          continue;
        }
        const form = await fhirForm(e.path);
        if (typeof form === 'string') {
          found.push({ file: e.file, path: e.path, bytes: e.bytes, role: 'fhir', form });
          continue;
        }
        if (form !== null) {
          found.push({ ...e, reason: form.notRead });
          continue;
        }
        // the mapping's patterns were tried first: naming them shows the analyst which one to fix
        if (mapping.length && e.reason === NO_LAYOUT) {
          found.push({ ...e, reason: `${NO_LAYOUT}, nor the --mapping's ${patternsOf(mapping)}` });
          continue;
        }
      }
      found.push(e);
    }
    for (const f of found) {
      if (seen.has(f.path)) continue;
      seen.add(f.path);
      out.push({ input: f, root });
    }
  }
  return uniquelyNamed(out);
}

/**
 * Each input is named by its path below the folder its argument names. Every table of the
 * evaluation knows a row by its file's name and line, so when two arguments hold files of one
 * such name (a/Observation.ndjson and b/Observation.ndjson, both "Observation.ndjson"), every
 * input is named below the folder the arguments share instead (masked: a name may hold a CPR
 * number).
 */
function uniquelyNamed(found: readonly { input: LabInput; root: string }[]): LabInput[] {
  const names = found.map((f) => f.input.file);
  if (new Set(names).size === names.length) return found.map((f) => f.input);
  const parts = found.map((f) => f.root.split(sep));
  let depth = 0;
  while (parts.every((p) => depth < p.length && p[depth] === parts[0]![depth])) depth++;
  const common = parts[0]!.slice(0, depth).join(sep) || sep;
  return found.map(({ input }) => ({ ...input, file: maskIdentifiers(relative(common, input.path).split(sep).join('/')) }));
}

/** A mapping's file name patterns, in words: `files "LIS2_*.csv"`. */
function patternsOf(mapping: readonly Delivery[]): string {
  const patterns = [...new Set(mapping.map((d) => d.files))];
  return `files ${patterns.map((p) => JSON.stringify(p)).join(', ')}`;
}

function deliveryInput(file: string, path: string, bytes: number, d: Delivery): LabInput {
  const mapped = 'sources' in d ? (d as MappedDelivery) : undefined;
  return {
    file, path, bytes, role: 'delivery', target: deliveryTarget(d), system: d.system, layout: d.sourceFile,
    ...(mapped ? { mapped, ...(mapped.timeZone ? { timeZone: mapped.timeZone } : {}) } : {}),
  };
}

/** The pipeline's inbox discovery over one folder, restricted to the given layouts. */
async function discover(config: PipelineConfig, root: string, deliveries: readonly Delivery[]): Promise<LabInput[]> {
  const entries = await discoverInbox({ ...config, inbox: root, deliveries });
  return entries.map((e): LabInput => {
    if (e.role === 'delivery') return deliveryInput(e.file, e.path, e.bytes, e.delivery);
    if (e.role === 'register') return { file: e.file, path: e.path, bytes: e.bytes, role: 'register', target: registerTarget(config.register) };
    return { file: e.file, path: e.path, bytes: e.bytes, role: 'unrecognised', reason: e.reason };
  });
}
