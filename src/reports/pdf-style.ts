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

/** The bytes of a PDF document once it is ended (collected as it streams). */
export function pdfBytes(doc: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  return new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}
