// Disclosure control for the aggregate outputs of a lab evaluation (report.html, summary.json):
// counts of 1-4 are hidden, and so are enough other counts that none of them can be recomputed
// from what is shown beside it (quality/report-kit/protect-table.ts). The relations a reader can
// see: results = usable + unusable + not yet answered + rejected, overall and per analysis,
// journal system and clinic, and each measure overall = the sum over the groups; an analysis's
// results = its value states, = its units; its qualitative results = its answers; results with
// an interval = below + above + inside, and lie within the analysis' numeric results; the
// results outside = flagged + not flagged; a check's rows beside all results; a field's
// filled-in rows beside the system's results; a shifted clinic's numeric results and those
// elsewhere = its analysis'; the FHIR Observations set apart, per reason and code and per file.
import { TableBuilder, type ProtectedTable } from '../../report-kit/protect-table.ts';
import { isSmallCount } from '../../report-kit/suppress.ts';
import { byRows, type LabSummary, type UsableGroup } from './collect.ts';

/** A file read, as the report and summary.json list it. */
export interface FileCounts {
  readonly role: string;
  readonly read: number;
  readonly rejected: number;
  /** A FHIR file's Observations set apart as no lab result (not among `read`). */
  readonly setApart?: number;
}

/** A file of the evaluation with its figures: what the command returns and the outputs list. */
export interface LabFile extends FileCounts {
  readonly file: string;
  readonly system: string | null;
  readonly error: string | null;
}

export const USABLE_MEASURES = ['usable', 'unusable', 'pending', 'rejected'] as const;
export type GroupDimension = 'analysis' | 'system' | 'clinic';

/** Cell ids, for the renderer to ask what it may show. */
export const labCell = {
  total: (m: string) => `all\u0000${m}`,
  group: (dim: GroupDimension, key: string, m: string) => `${dim}\u0000${key}\u0000${m}`,
  panel: (code: string, m: string) => `panel\u0000${code}\u0000${m}`,
  unit: (code: string, i: number) => `unit\u0000${code}\u0000${i}`,
  answer: (code: string, i: number) => `answer\u0000${code}\u0000${i}`,
  check: (checkId: string) => `check\u0000${checkId}`,
  panelCheck: (code: string, checkId: string) => `panel-check\u0000${code}\u0000${checkId}`,
  clinicResults: (code: string, clinic: string) => `clinic-results\u0000${code}\u0000${clinic}`,
  /** The other clinics' numeric results a shifted clinic's are compared with. */
  shiftRest: (code: string, clinic: string) => `shift-rest\u0000${code}\u0000${clinic}`,
  outside: (code: string, m: string) => `outside\u0000${code}\u0000${m}`,
  present: (field: string, system: string) => `present\u0000${field}\u0000${system}`,
  systemRows: (system: string) => `results\u0000${system}`,
  file: (i: number, m: 'read' | 'rejected' | 'setApart') => `file\u0000${i}\u0000${m}`,
  setApart: (i: number) => `set-apart\u0000${i}`,
  /** A code profile's results (numeric and censored) in one unit, its numeric ones, its outliers. */
  profile: (code: string, unit: string | null, m: 'results' | 'numeric' | 'outliers') => `profile\u0000${code}\u0000${unit ?? '\u0000'}\u0000${m}`,
  /** An analysis' results with a value (numeric or censored), which its profiles divide by unit. */
  valued: (code: string) => `valued\u0000${code}`,
};

/** Decides which counts of a lab evaluation's figures may be shown. */
export function protectLabFigures(s: LabSummary, files: readonly FileCounts[] = []): ProtectedTable {
  const t = new TableBuilder();
  const all = (m: string) => labCell.total(m);
  t.cell(all('rows'), s.rowsRead);
  for (const m of USABLE_MEASURES) t.cell(all(m), s[m]);
  t.sum(all('rows'), USABLE_MEASURES.map(all));
  const groups: [GroupDimension, readonly UsableGroup[]][] = [['analysis', s.byAnalysis], ['system', s.bySystem], ['clinic', s.byClinic]];
  for (const [dim, list] of groups) {
    for (const g of list) {
      t.cell(labCell.group(dim, g.key, 'rows'), g.rows);
      for (const m of USABLE_MEASURES) t.cell(labCell.group(dim, g.key, m), g[m]);
      t.sum(labCell.group(dim, g.key, 'rows'), USABLE_MEASURES.map((m) => labCell.group(dim, g.key, m)));
    }
    for (const m of ['rows', ...USABLE_MEASURES]) t.sum(all(m), list.map((g) => labCell.group(dim, g.key, m)));
  }

  t.cell(all('censored'), s.censoredRows);
  t.cell(all('qualitative'), s.qualitativeRows);
  const analysisKeys = new Set(s.byAnalysis.map((g) => g.key));
  for (const p of s.panels) {
    const panel = (m: string) => labCell.panel(p.analysis, m);
    t.cell(panel('rows'), p.rows);
    // the panel's usable results are its analysis group's
    if (analysisKeys.has(p.analysis)) t.sum(panel('rows'), [labCell.group('analysis', p.analysis, 'rows')]);
    else t.cell(labCell.group('analysis', p.analysis, 'usable'), p.usable);
    for (const m of ['numeric', 'censored', 'qualitative', 'pending'] as const) t.cell(panel(m), p[m]);
    t.sum(panel('rows'), ['numeric', 'censored', 'qualitative', 'pending'].map(panel));
    t.sum(panel('rows'), p.units.map((u, i) => t.cell(labCell.unit(p.analysis, i), u.rows)));
    t.sum(panel('qualitative'), p.qualitativeValues.map((q, i) => t.cell(labCell.answer(p.analysis, i), q.rows)));
    // numeric results per clinic (the box plots' clinics, shifted ones among them)
    t.sum(panel('numeric'), p.clinics.map((k) => t.cell(labCell.clinicResults(p.analysis, k.clinic), k.n)));
    for (const k of p.checks) t.sum(panel('rows'), [t.cell(labCell.panelCheck(p.analysis, k.checkId), k.rows)]);
  }
  for (const x of s.shifts) t.cell(labCell.clinicResults(x.analysis, x.clinic), x.n);
  t.sum(all('censored'), s.panels.map((p) => labCell.panel(p.analysis, 'censored')));
  t.sum(all('qualitative'), s.panels.map((p) => labCell.panel(p.analysis, 'qualitative')));

  for (const c of s.checks) t.sum(all('rows'), [t.cell(labCell.check(c.checkId), c.rows)]);
  for (const o of s.outsideReference) {
    const cell = (m: string, v: number) => t.cell(labCell.outside(o.analysis, m), v);
    const outside = cell('outside', o.below + o.above);
    t.sum(cell('withInterval', o.withInterval), [cell('below', o.below), cell('above', o.above)]);
    t.sum(outside, [labCell.outside(o.analysis, 'below'), labCell.outside(o.analysis, 'above')]);
    t.sum(outside, [cell('flagged', o.outsideFlagged)]);
  }
  for (const c of s.completeness) {
    // every field of a system counts the same results: one cell
    t.sum(t.cell(labCell.systemRows(c.system), c.rows), [t.cell(labCell.present(c.field, c.system), c.present)]);
  }
  const systems = [...new Set(s.completeness.map((c) => c.system))].filter((x) => x !== '(all)');
  // the completeness table counts the results that were not rejected: with the rejected ones,
  // the results read, overall and per journal system
  for (const x of systems) {
    if (t.cells.has(labCell.group('system', x, 'rows'))) t.sum(labCell.group('system', x, 'rows'), [labCell.systemRows(x), labCell.group('system', x, 'rejected')]);
  }
  if (t.cells.has(labCell.systemRows('(all)'))) {
    t.sum(all('rows'), [labCell.systemRows('(all)'), all('rejected')]);
    t.sum(labCell.systemRows('(all)'), systems.map(labCell.systemRows));
    for (const field of new Set(s.completeness.map((c) => c.field))) {
      t.sum(labCell.present(field, '(all)'), systems.map((x) => labCell.present(field, x)).filter((id) => t.cells.has(id)));
    }
  }
  // The code profiles divide each analysis' results with a value by unit, each measurement once
  // (lab.measurements): they are the panel's numeric and censored results but for re-sends and
  // replaced versions, and lie within the analysis' results; a unit's numeric results and
  // outliers lie within its results, and every unit's outliers within lab.outlier's. (A sum that
  // does not come out exactly gets a hidden rest, negative where the parts are more: TableBuilder.sum.)
  const panelOf = new Map(s.panels.map((p) => [p.analysis, p]));
  const outlierCells: string[] = [];
  for (const code of new Set(s.codeProfiles.map((x) => x.analysis))) {
    const mine = s.codeProfiles.filter((x) => x.analysis === code);
    const profile = (x: (typeof mine)[number], m: 'results' | 'numeric' | 'outliers') => labCell.profile(code, x.unit, m);
    const valued = t.cell(labCell.valued(code), mine.reduce((n, x) => n + x.results, 0));
    t.sum(valued, mine.map((x) => t.cell(profile(x, 'results'), x.results)));
    for (const x of mine) t.sum(profile(x, 'results'), [t.cell(profile(x, 'numeric'), x.numeric), t.cell(profile(x, 'outliers'), x.outliers)]);
    outlierCells.push(...mine.map((x) => profile(x, 'outliers')));
    if (analysisKeys.has(code)) t.sum(labCell.group('analysis', code, 'rows'), [valued]);
    const panel = panelOf.get(code);
    if (panel) {
      t.sum(valued, [labCell.panel(code, 'numeric'), labCell.panel(code, 'censored')]);
      t.sum(labCell.panel(code, 'numeric'), mine.map((x) => profile(x, 'numeric')));
      if (panel.checks.some((k) => k.checkId === 'lab.outlier')) t.sum(labCell.panelCheck(code, 'lab.outlier'), mine.map((x) => profile(x, 'outliers')));
    }
  }
  if (s.checks.some((c) => c.checkId === 'lab.outlier')) t.sum(labCell.check('lab.outlier'), outlierCells);
  // a shifted clinic's results and those elsewhere it is compared with make up the analysis'
  // numeric results
  for (const x of s.shifts) {
    const rest = t.cell(labCell.shiftRest(x.analysis, x.clinic), x.restCount);
    if (panelOf.has(x.analysis)) t.sum(labCell.panel(x.analysis, 'numeric'), [labCell.clinicResults(x.analysis, x.clinic), rest]);
  }
  // a result with an interval is one of its analysis' numeric results (each measurement once):
  // where every result carries an interval, as the completeness table can say, the counts are equal
  for (const o of s.outsideReference) {
    const withInterval = labCell.outside(o.analysis, 'withInterval');
    if (panelOf.has(o.analysis)) t.sum(labCell.panel(o.analysis, 'numeric'), [withInterval]);
    if (t.cells.has(labCell.valued(o.analysis))) t.sum(labCell.valued(o.analysis), [withInterval]);
  }

  // the lab files' records add up to the results, their rejected records to the rejected ones
  const lab = [...files.entries()].filter(([, f]) => f.role !== 'register');
  for (const [i, f] of lab) t.sum(t.cell(labCell.file(i, 'read'), f.read), [t.cell(labCell.file(i, 'rejected'), f.rejected)]);
  t.sum(all('rows'), lab.map(([i]) => labCell.file(i, 'read')));
  t.sum(all('rejected'), lab.map(([i]) => labCell.file(i, 'rejected')));
  // FHIR Observations set apart: per reason, category and code, and per file; both add up to
  // all of them, so a file's count could give back a group's hidden one
  if (s.setApart.length) {
    t.cell(all('setApart'), s.setApart.reduce((n, x) => n + x.rows, 0));
    t.sum(all('setApart'), s.setApart.map((x, i) => t.cell(labCell.setApart(i), x.rows)));
    const fhir = lab.filter(([, f]) => f.setApart !== undefined);
    if (fhir.length) t.sum(all('setApart'), fhir.map(([i, f]) => t.cell(labCell.file(i, 'setApart'), f.setApart!)));
  }
  return t.protect();
}

/** The files with their counts as they may be shown (a register's rows are no results: as read). */
export function shownFiles<F extends FileCounts>(files: readonly F[], t: ProtectedTable) {
  return files.map((f, i) => (f.role === 'register' ? { ...f } : {
    ...f, read: shownCount(t, labCell.file(i, 'read'), f.read), rejected: shownCount(t, labCell.file(i, 'rejected'), f.rejected),
    ...(f.setApart === undefined ? {} : { setApart: shownCount(t, labCell.file(i, 'setApart'), f.setApart) }),
  }));
}

/**
 * The checks in the order the shareable outputs list them: most rows shown first, ties by check
 * id, a hidden count as the smallest above 0 whatever it is (its place among the shown ones
 * would tell how large it is).
 */
export function checksByShownRows<C extends { checkId: string; rows: number }>(checks: readonly C[], t: ProtectedTable): C[] {
  const shown = (c: C) => (t.isShown(labCell.check(c.checkId)) ? c.rows : Math.min(c.rows, 0.5));
  return [...checks].sort((a, b) => byRows({ ...a, rows: shown(a) }, { ...b, rows: shown(b) }));
}

/** A count as it may be shown: null when hidden. */
export function shownCount(t: ProtectedTable, id: string, n: number): number | null {
  return t.isShown(id) ? n : null;
}

/**
 * summary.json's figures with every hidden count null: the cells of protectLabFigures, and
 * counts of 1-4 everywhere else (a clinic's numeric results behind a box plot, a shifted
 * clinic's results, local codes). Percentages go with their counts. `everyCount` (the analyst's
 * own summary, with showEverything for `t`): nothing is hidden, 1-4 included.
 */
export function shareableSummary(s: LabSummary, t: ProtectedTable, everyCount = false) {
  const c = (id: string, n: number) => shownCount(t, id, n);
  const small = (n: number) => (!everyCount && isSmallCount(n) ? null : n);
  const group = (dim: GroupDimension) => (g: UsableGroup) => ({
    key: g.key, label: g.label, rows: c(labCell.group(dim, g.key, 'rows'), g.rows),
    ...Object.fromEntries(USABLE_MEASURES.map((m) => [m, c(labCell.group(dim, g.key, m), g[m])])),
  });
  return {
    rowsRead: c(labCell.total('rows'), s.rowsRead),
    ...Object.fromEntries(USABLE_MEASURES.map((m) => [m, c(labCell.total(m), s[m])])),
    localCodeRows: small(s.localCodeRows), convertedUnitRows: small(s.convertedUnitRows),
    censoredRows: c(labCell.total('censored'), s.censoredRows), qualitativeRows: c(labCell.total('qualitative'), s.qualitativeRows),
    byAnalysis: s.byAnalysis.map(group('analysis')), byClinic: s.byClinic.map(group('clinic')), bySystem: s.bySystem.map(group('system')),
    checks: checksByShownRows(s.checks, t).map((k) => {
      const rows = c(labCell.check(k.checkId), k.rows);
      // a check's percent is of the results checked, those not rejected: shown beside its rows only
      // where that count is (rows times 100 over the percent would give it back)
      const checked = (s.completeness.length > 0 && t.isShown(labCell.systemRows('(all)')))
        || (t.isShown(labCell.total('rows')) && t.isShown(labCell.total('rejected')));
      return { ...k, rows, percent: rows === null || !checked ? null : k.percent };
    }),
    shifts: s.shifts.map((x) => ({ ...x, n: c(labCell.clinicResults(x.analysis, x.clinic), x.n), restCount: c(labCell.shiftRest(x.analysis, x.clinic), x.restCount) })),
    panels: s.panels.map((p) => {
      const panel = (m: 'rows' | 'numeric' | 'censored' | 'qualitative' | 'pending') => c(labCell.panel(p.analysis, m), p[m]);
      return {
        ...p, rows: panel('rows'), usable: c(labCell.group('analysis', p.analysis, 'usable'), p.usable), numeric: panel('numeric'),
        censored: panel('censored'), qualitative: panel('qualitative'), pending: panel('pending'),
        units: p.units.map((u, i) => ({ ...u, rows: c(labCell.unit(p.analysis, i), u.rows) })),
        qualitativeValues: p.qualitativeValues.map((q, i) => ({ ...q, rows: c(labCell.answer(p.analysis, i), q.rows) })),
        // a box drawn from 1-4 results shows those results
        clinics: p.clinics.filter((k) => everyCount || k.n >= 5).map((k) => ({ ...k, n: c(labCell.clinicResults(p.analysis, k.clinic), k.n) })),
        shifts: p.shifts.map((x) => ({ ...x, n: c(labCell.clinicResults(x.analysis, x.clinic), x.n), restCount: c(labCell.shiftRest(x.analysis, x.clinic), x.restCount) })),
        checks: p.checks.map((k) => ({ ...k, rows: c(labCell.panelCheck(p.analysis, k.checkId), k.rows) })),
      };
    }),
    analysisCount: s.analysisCount,
    completeness: s.completeness.map((k) => ({ ...k, rows: c(labCell.systemRows(k.system), k.rows), present: c(labCell.present(k.field, k.system), k.present) })),
    outsideReference: s.outsideReference.map((o) => {
      const out = (m: string, v: number) => c(labCell.outside(o.analysis, m), v);
      return { analysis: o.analysis, name: o.name, withInterval: out('withInterval', o.withInterval), below: out('below', o.below), above: out('above', o.above), outsideFlagged: out('flagged', o.outsideFlagged) };
    }),
    setApart: s.setApart.map((x, i) => ({ ...x, rows: c(labCell.setApart(i), x.rows) })),
    localCodes: s.localCodes.map((x) => ({ ...x, rows: small(x.rows) })),
    codeProfiles: s.codeProfiles.map((x) => {
      const results = c(labCell.profile(x.analysis, x.unit, 'results'), x.results);
      return {
        ...x, results, numeric: c(labCell.profile(x.analysis, x.unit, 'numeric'), x.numeric),
        // the unit's share of the analysis' results with a value: shown with both counts
        share: results === null || !t.isShown(labCell.valued(x.analysis)) ? null : x.share,
        outliers: c(labCell.profile(x.analysis, x.unit, 'outliers'), x.outliers),
      };
    }),
  };
}

export type ShareableLabSummary = ReturnType<typeof shareableSummary>;
