import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markdownText } from '../../quality/reports/run/render-markdown.ts';

// A reason or a name in the Markdown report may quote what a clinic delivered; a Markdown
// renderer passes HTML through and follows links.
describe('text in the Markdown report', () => {
  it('carries no HTML, no link, no table break and no CPR number', () => {
    const out = markdownText('SOR code 150385-1023 <img src=x onerror=alert(1)> [klik](javascript:alert(1)) a|b\nc');
    expect(out).toBe('SOR code \\[CPR\\] &lt;img src=x onerror=alert(1)&gt; \\[klik\\](javascript:alert(1)) a\\|b c');
  });

  it('never lets a < or an unescaped | or [ through, whatever the text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => {
      const out = markdownText(s);
      expect(out).not.toMatch(/[<>\n]/);
      expect(out).not.toMatch(/(^|[^\\])[|[\]]/);
    }));
  });
});
