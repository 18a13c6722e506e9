// The file types an attachment may be, recognised from the first bytes of the content (a name
// or a declared Content-Type alone proves nothing: a renamed executable stays refused).

export interface FileType {
  mime: string;
  extensions: readonly string[];
}

const TYPES: { type: FileType; matches: (b: Buffer) => boolean }[] = [
  {
    type: { mime: 'image/png', extensions: ['.png'] },
    matches: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  {
    type: { mime: 'image/jpeg', extensions: ['.jpg', '.jpeg'] },
    matches: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  },
  {
    type: { mime: 'image/gif', extensions: ['.gif'] },
    matches: (b) => ['GIF87a', 'GIF89a'].includes(b.subarray(0, 6).toString('latin1')),
  },
  {
    type: { mime: 'image/webp', extensions: ['.webp'] },
    matches: (b) =>
      b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  },
  {
    type: { mime: 'application/pdf', extensions: ['.pdf'] },
    matches: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
  },
];

export const ALLOWED_MIME_TYPES = TYPES.map((t) => t.type.mime);

/** The type the content really is, or null when it is none of the allowed ones. */
export function detectFileType(content: Buffer): FileType | null {
  return TYPES.find((t) => t.matches(content))?.type ?? null;
}
