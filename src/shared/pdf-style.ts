// The look every PDF the product prints shares (reports, calibration certificates, label sheets):
// the palette and the page margin, so a certificate and a report read as one product.
export const NAVY = '#1f3a5f';
export const COPPER = '#b87333';
export const INK = '#1a1a1a';
export const GREY = '#5c6670';
export const RULE = '#c9d1d9';
export const ZEBRA = '#f3f6f9';
export const RED = '#b42318';
export const GREEN = '#1f7a3a';
export const AMBER = '#9a6700';
export const MARGIN = 36;

/** The product name printed on every page (http/app.ts APP_TITLE; kept here so the PDF worker thread need not load the HTTP stack). */
export const PRODUCT_NAME = 'The Copperbelt University CMMS';

/** The bytes of a PDF document once it is ended (collected as it streams). */
export function pdfBytes(doc: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  return new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

// Standard fonts speak WinAnsi; map what they lack to readable ASCII rather than dropping it.
const REPLACEMENTS: Record<string, string> = {
  '≤': '<=',
  '≥': '>=',
  '≠': '!=',
  σ: 'sigma',
  Σ: 'Sigma',
  Δ: 'delta',
  '−': '-',
  '→': '->',
  '←': '<-',
  '✓': 'ok',
  '✗': 'x',
  '\t': ' ',
};
const WIN_ANSI_EXTRA = new Set([...'€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ']);

export function pdfSafe(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (
      ch === '\n' ||
      (code >= 0x20 && code < 0x7f) ||
      (code >= 0xa0 && code <= 0xff) ||
      WIN_ANSI_EXTRA.has(ch)
    ) {
      out += ch;
    } else {
      out += REPLACEMENTS[ch] ?? (code < 0x20 ? ' ' : '?');
    }
  }
  return out;
}
