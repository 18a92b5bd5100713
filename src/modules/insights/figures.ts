import type { Response } from 'express';
import { exportCsv } from '../../platform/csv/write-csv.js';
import { attachmentDisposition } from '../../platform/http/content-disposition.js';

/** A figure to one decimal, as the insights show them. */
export function tenth(value: number): number {
  return Math.round(value * 10) / 10;
}

/** A CSV download of aggregate figures (no personal data). */
export function sendFiguresCsv(
  res: Response,
  filename: string,
  records: string[][],
  cache: 'no-store' | 'public' = 'no-store',
): void {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', attachmentDisposition(filename));
  res.setHeader('Cache-Control', cache === 'public' ? 'public, max-age=300' : 'no-store');
  res.send(exportCsv(records, { bom: true }));
}
