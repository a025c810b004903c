import { describe, expect, it } from 'vitest';
import { targets } from './targets.ts';

const impl = (seconds: number) => ({ seconds, peak_rss_mb: 1000 });

describe('the reference target', () => {
  it('is judged by the median of the rounds\' ratios, not by one slow polars run', () => {
    // the run shown for each is its median; the rounds alternated and polars was faster in most
    const ref = { fangst: impl(16), polars: impl(20), pandas: impl(50), bare_scan: impl(3), ratios: { polars_over_fangst: 0.89 } };
    expect(targets([], ref).reference_vs_polars).toEqual({ target: 'faster than polars (> 1x)', value: '0.89x', holds: false });
  });

  it('falls back to the two runs shown when a results file has no paired ratio', () => {
    const ref = { fangst: impl(16), polars: impl(20), pandas: impl(50), bare_scan: impl(3) };
    expect(targets([], ref).reference_vs_polars).toEqual({ target: 'faster than polars (> 1x)', value: '1.25x', holds: true });
  });
});
