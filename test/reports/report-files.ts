import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';

// Reading exports back the way an auditor's tools would: a CSV parser and poppler's pdftotext.

export interface Download {
  status: number;
  headers: Headers;
  body: Buffer;
}

export async function download(baseUrl: string, p: string, token: string): Promise<Download> {
  const res = await fetch(`${baseUrl}${p}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** Rows keyed by the header row's labels. Fails on anything that is not strict RFC 4180. */
export function readCsv(body: Buffer): Record<string, string>[] {
  return parse(body, {
    bom: true,
    columns: true,
    relax_quotes: false,
    skip_empty_lines: false,
    record_delimiter: '\r\n',
  });
}

function havePdftotext(): void {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
  } catch {
    throw new Error('pdftotext is missing: apt-get install -y poppler-utils');
  }
}

/** The PDF's text, per page (pdftotext -layout keeps table rows on one line). */
export function pdfPages(body: Buffer): string[] {
  havePdftotext();
  const dir = mkdtempSync(path.join(tmpdir(), 'cmms-pdf-'));
  try {
    const file = path.join(dir, 'report.pdf');
    writeFileSync(file, body);
    const text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    // pdftotext ends each page with a form feed.
    return text.split('\f').filter((p, i, all) => i < all.length - 1 || p.trim() !== '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Collapses runs of spaces so a table row reads "PT-1 365 2 2 0 0 ...". */
export const squash = (s: string) => s.replace(/[ \t]+/g, ' ');

/**
 * The PDF's page content streams, inflated: the drawing operators (m, l, c, re, f, S, d, gs, ...)
 * a chart is made of. pdfkit compresses each stream with Flate.
 */
export function pdfContent(body: Buffer): string {
  const out: string[] = [];
  let at = 0;
  for (;;) {
    const start = body.indexOf('stream\n', at);
    if (start < 0) break;
    const end = body.indexOf('\nendstream', start);
    if (end < 0) break;
    const raw = body.subarray(start + 'stream\n'.length, end);
    try {
      out.push(inflateSync(raw).toString('latin1'));
    } catch {
      // Not a Flate stream (fonts and images are not what we look for).
    }
    at = end + '\nendstream'.length;
  }
  return out.join('\n');
}

/** How many times a drawing operator ends a line of content (e.g. "c" for curves, "re" for rectangles). */
export function countOps(content: string, op: string): number {
  return content.split('\n').filter((line) => line.endsWith(` ${op}`) || line === op).length;
}
