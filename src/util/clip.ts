/**
 * Cuts that happen at the edge. Text from a server is shortened for display, but a cut made
 * before redaction would leave half a secret that no redactor recognises. So a long text is only
 * marked here (with private-use characters that no server text keeps), and `applyClips` cuts it
 * where output is written, after the redactor has seen the whole of it.
 */
const OPEN = '\uE000';
const MID = '\uE001';
const CLOSE = '\uE002';
const MARKERS = /[\uE000-\uE002]/g;
const CLIPPED = /\uE000(\d{1,7})\uE001([^\uE000-\uE002]*)\uE002/g;

/** `text`, to be cut to `max` characters (and `...`) at the edge; short texts are returned as is. */
export function clipAtEdge(text: string, max: number): string {
  const clean = text.replace(MARKERS, '');
  return clean.length > max ? `${OPEN}${max}${MID}${clean}${CLOSE}` : clean;
}

/** Makes the cuts `clipAtEdge` marked: call after redaction, right before writing. */
export function applyClips(text: string): string {
  if (!text.includes(OPEN)) return text;
  return text
    .replace(CLIPPED, (_all, max: string, body: string) => {
      const limit = Number(max);
      return body.length > limit ? `${body.slice(0, limit)}...` : body;
    })
    .replace(MARKERS, '');
}
