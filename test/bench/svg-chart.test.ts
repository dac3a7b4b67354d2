// The SVG chart: well-formed XML, every case in it, text escaped, nothing external.
import { describe, expect, it } from 'vitest';
import { escapeXml, niceCeiling, renderChart } from '../../bench/e2e/svg-chart.js';
import { sampleCases } from './sample-results.js';

/**
 * A small well-formedness check: tags nest and close, attributes are quoted, and text holds no
 * raw '<' or stray '&'. Enough to catch what a string-built SVG gets wrong.
 */
function checkWellFormed(xml: string): string[] {
  const errors: string[] = [];
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  let m: RegExpExecArray | null;
  while ((m = token.exec(body))) {
    const [, closing, name, , selfClosing, text, stray] = m;
    if (stray) errors.push(`stray '<' at ${m.index}`);
    else if (text !== undefined) {
      if (/&(?!#\d+;|amp;|lt;|gt;|quot;|apos;)/.test(text)) errors.push(`bare '&' in text at ${m.index}`);
    } else if (closing) {
      const open = stack.pop();
      if (open !== name) errors.push(`</${name}> closes <${open ?? 'nothing'}>`);
    } else if (!selfClosing) stack.push(name!);
  }
  if (stack.length > 0) errors.push(`unclosed: ${stack.join(', ')}`);
  return errors;
}

describe('renderChart', () => {
  const svg = renderChart({ title: 'Kiln <e2e> & co', notes: ['a note'], cases: sampleCases() });

  it('is well-formed and self-contained', () => {
    expect(checkWellFormed(svg)).toEqual([]);
    expect(svg).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/,
    );
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).not.toMatch(/<script|href=|@import|url\(/);
  });

  it('shows every case, grouped by client, with the values', () => {
    expect(svg).toContain('>rdkafka_performance<');
    expect(svg).toContain('>kiln perf<');
    expect(svg).toContain('100 B · 1 part. · acks=1 · none');
    expect(svg).toContain('1 KiB · 1 part. · acks=1 · none');
    expect(svg).toContain('100 B · 8 part. · acks=1 · none');
    expect(svg).toContain('>1.30 M<');
    expect(svg).toContain('>3.50 M<');
    expect(svg).toContain('>consume failed<');
    expect(svg).toContain('Kiln &#60;e2e&#62; &#38; co');
  });

  it('checks the well-formedness checker', () => {
    expect(checkWellFormed('<svg><g></svg>')).not.toEqual([]);
    expect(checkWellFormed('<svg><text>a & b</text></svg>')).not.toEqual([]);
    expect(checkWellFormed('<svg><rect x=1/></svg>')).not.toEqual([]);
  });

  it('renders an empty run', () => {
    expect(checkWellFormed(renderChart({ title: 't', notes: [], cases: [] }))).toEqual([]);
  });
});

describe('chart helpers', () => {
  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  });

  it('rounds axis maxima up to 1, 2 or 5 × 10^n', () => {
    expect(niceCeiling(3_430_000)).toBe(5_000_000);
    expect(niceCeiling(1.4)).toBe(2);
    expect(niceCeiling(100)).toBe(100);
    expect(niceCeiling(0)).toBe(1);
  });
});
