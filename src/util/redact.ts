import { formUrlEncode } from './formEncoding.ts';

const MASK = '****';
/** Variants shorter than this are not replaced: redacting "a" everywhere would garble output. */
const MIN_LENGTH = 4;

/**
 * A last line of defence, like sfdx-core's log filter: every text that leaves the process is
 * scrubbed of the secrets this process has read, in the forms a secret travels in (plain,
 * form- and URI-encoded, base64 alone and inside a Basic credential, JSON-escaped).
 */
export class Redactor {
  private readonly variants = new Set<string>();

  addSecret(plain: string, clientId?: string): void {
    const forms = [
      plain,
      formUrlEncode(plain),
      encodeURIComponent(plain),
      Buffer.from(plain, 'utf8').toString('base64'),
      Buffer.from(plain, 'utf8').toString('base64url'),
      JSON.stringify(plain).slice(1, -1),
    ];
    if (clientId !== undefined)
      forms.push(Buffer.from(`${clientId}:${plain}`, 'utf8').toString('base64'));
    for (const form of forms) if (form.length >= MIN_LENGTH) this.variants.add(form);
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a base64 form is not half-replaced by a shorter plain match inside it.
    for (const variant of [...this.variants].sort((a, b) => b.length - a.length)) {
      if (out.includes(variant)) out = out.split(variant).join(MASK);
    }
    return out;
  }
}
