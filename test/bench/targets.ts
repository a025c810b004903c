// Issue 17's targets for `npm run bench` (the musts; its aims in the README) and issue 16's for
// lab-quality, judged on one run's figures side by side. Kept apart from run.ts so a saved results file can be judged again.

interface Measured {
  readonly name: string;
  readonly scale: string;
  readonly seconds: number;
  readonly peak_rss_mb: number;
}

interface Impl {
  readonly seconds: number;
  readonly peak_rss_mb: number;
}

export type Targets = Record<string, { target: string; value: string; holds: boolean } | null>;

const round = (x: number) => Math.round(x * 100) / 100;

interface LabInput {
  readonly fangst: Impl;
  readonly duckdb: Impl;
  readonly pandas?: Impl;
}

export function targets(s: readonly Measured[], ref: Record<string, unknown> | null, lab: { hospital_100k?: LabInput; inbox_5m?: LabInput } | null = null): Targets {
  const find = (name: string, scale: string) => s.find((x) => x.name === name && x.scale === scale);
  const b1 = find('backfill', '1');
  const n1 = find('night', '1');
  const n10 = find('night', '10');
  const b10 = find('backfill', '10');
  // fangst over a plain script doing the obvious checks (issue 16): at most 3x. A skipped pandas has no time.
  const within3x = (input: LabInput | undefined, peer: 'pandas' | 'duckdb') => {
    const p = input?.[peer];
    if (!input || !p || !Number.isFinite(p.seconds)) return null;
    const x = input.fangst.seconds / p.seconds;
    return { target: `<= 3x ${peer}`, value: `${round(x)}x (${input.fangst.seconds} s vs ${p.seconds} s)`, holds: x <= 3 };
  };
  const r = ref as { fangst: Impl; polars: Impl; pandas: Impl; bare_scan: Impl; ratios?: { polars_over_fangst?: number | null } } | null;
  // the median of the rounds' ratios where the bench ran fangst and polars in turn, else one run's
  const polarsOverFangst = r ? (r.ratios?.polars_over_fangst ?? r.polars.seconds / r.fangst.seconds) : NaN;
  return {
    backfill_s1_time: b1 ? { target: '<= 60 s', value: `${b1.seconds} s`, holds: b1.seconds <= 60 } : null,
    backfill_s1_rss: b1 ? { target: '<= 2048 MB', value: `${b1.peak_rss_mb} MB`, holds: b1.peak_rss_mb <= 2048 } : null,
    night_s1_time: n1 ? { target: '<= 3 s', value: `${n1.seconds} s`, holds: n1.seconds <= 3 } : null,
    night_s10_vs_s1: n1 && n10 ? { target: 'within 20% of the night on scale 1', value: `${n10.seconds} s vs ${n1.seconds} s`, holds: n10.seconds <= n1.seconds * 1.2 } : null,
    backfill_s10_time: b10 ? { target: '<= 600 s', value: `${b10.seconds} s`, holds: b10.seconds <= 600 } : null,
    backfill_s10_rss: b10 ? { target: '<= 4096 MB', value: `${b10.peak_rss_mb} MB`, holds: b10.peak_rss_mb <= 4096 } : null,
    reference_vs_polars: r ? { target: 'faster than polars (> 1x)', value: `${round(polarsOverFangst)}x`, holds: polarsOverFangst > 1 } : null,
    reference_vs_bare_scan: r ? { target: 'within 3x of the bare scan', value: `${round(r.fangst.seconds / r.bare_scan.seconds)}x`, holds: r.fangst.seconds / r.bare_scan.seconds <= 3 } : null,
    lab_quality_100k_vs_pandas: within3x(lab?.hospital_100k, 'pandas'),
    lab_quality_100k_vs_duckdb: within3x(lab?.hospital_100k, 'duckdb'),
    lab_quality_5m_vs_duckdb: within3x(lab?.inbox_5m, 'duckdb'),
  };
}
