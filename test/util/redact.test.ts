import { describe, expect, it } from 'vitest';
import { applyClips, clipAtEdge } from '../../src/util/clip.ts';
import { Redactor } from '../../src/util/redact.ts';
import { terminalSafe } from '../../src/util/terminal.ts';
import { canaryForms } from '../helpers/fixtures.ts';

const SECRET = 'Hostile+S3cret/"\\&<é\u0001tail=9';
const redactor = new Redactor();
redactor.addSecret(SECRET, 'client-id');

describe('Redactor', () => {
  // Every encoded form of the whole secret (the fragment in the list guards against cuts).
  const forms = canaryForms(SECRET, 'client-id').filter((form) => form !== SECRET.slice(0, 14));
  it.each(forms.map((form) => [form]))('masks %j', (form) => {
    const out = redactor.redact(`a ${form} b`);
    expect(out).toContain('****');
    expect(out).not.toContain(form);
  });

  it('masks a mix of encodings within one occurrence, and leaves other text alone', () => {
    const mixed = `Hostile%2bS3cret&#x2F;\\"\\\\&amp;&lt;\\u00e9\\x01tail%3D9`;
    expect(redactor.redact(`x ${mixed} y`)).toBe('x **** y');
    const plain = 'Nothing secret here: Hostile S3cret, base64 aGVsbG8=, %2B, &amp;.';
    expect(redactor.redact(plain)).toBe(plain);
  });

  it('streams bytes unchanged, masking a secret split across chunks', () => {
    const stream = redactor.stream();
    const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));
    const input = Buffer.concat([binary, Buffer.from(SECRET), binary]);
    const out: Buffer[] = [];
    for (let at = 0; at < input.length; at += 5) out.push(stream.push(input.subarray(at, at + 5)));
    out.push(stream.end());
    expect(Buffer.concat(out).equals(Buffer.concat([binary, Buffer.from('****'), binary]))).toBe(
      true,
    );
  });
});

describe('cuts at the edge', () => {
  it('keeps a long text whole until redacted, then cuts it', () => {
    const marked = clipAtEdge(`${'x'.repeat(290)}${SECRET}`, 300);
    expect(marked).toContain(SECRET);
    expect(applyClips(redactor.redact(marked))).toBe(`${'x'.repeat(290)}****`);
    expect(applyClips(clipAtEdge('y'.repeat(310), 300))).toBe(`${'y'.repeat(300)}...`);
    expect(clipAtEdge('short', 300)).toBe('short');
  });
});

describe('terminalSafe', () => {
  it('shows escapes and controls, keeps line feeds only when asked', () => {
    expect(terminalSafe('\u001b]0;t\u0007\r\n\u009b2J\u202e')).toBe(
      '\\e]0;t\\x07\\x0d\\x0a\\x9b2J\\u{202e}',
    );
    expect(terminalSafe('a\nb\u001b', { keepNewlines: true })).toBe('a\nb\\e');
  });
});
