import { Injectable } from '@nestjs/common';
import PDFDocument from 'pdfkit';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { intlLocale } from '../../platform/i18n/intl-locale.js';

/** Everything a receipt shows, already in the applicant's language. */
export interface ReceiptInput {
  locale: Locale;
  municipality: string;
  serviceTitle: string;
  reference: string;
  submittedAt: Date;
  filedBy: string;
  /** The SME the application was filed for, if any. */
  organizationName?: string;
  /** The answers, step by step: each answer already formatted as text. */
  sections: ReceiptSection[];
}

export interface ReceiptSection {
  title: string;
  rows: { label: string; value: string }[];
}

export interface ReceiptOptions {
  /** Leaves the content streams uncompressed (tests read the text back). Default: compressed. */
  compress?: boolean;
}

const MARGIN = 56;
const GREY = '#505a5f';
const BLACK = '#0b0c0c';
const LABEL_SHARE = 0.38;
const GAP = 12;

/**
 * The printable receipt of a submitted application, as a PDF: who filed what
 * and when, the reference number in large type, and the answers. It uses the
 * PDF standard fonts (Helvetica), which need no font file: their WinAnsi
 * encoding covers French (accents, « », ’, –); any other character is replaced
 * (see toWinAnsi). Letter size, the paper used in Québec.
 */
@Injectable()
export class ReceiptService {
  constructor(private readonly i18n: I18nService) {}

  async pdf(input: ReceiptInput, options: ReceiptOptions = {}): Promise<Buffer> {
    const t = (key: string, vars: Record<string, unknown> = {}) =>
      toWinAnsi(this.i18n.t(input.locale, `receipt.${key}`, vars));
    const doc = new PDFDocument({
      size: 'LETTER',
      margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
      bufferPages: true,
      compress: options.compress ?? true,
      lang: intlLocale(input.locale),
      displayTitle: true,
      info: {
        Title: t('documentTitle', { reference: input.reference }),
        Author: toWinAnsi(input.municipality),
        Subject: toWinAnsi(input.serviceTitle),
        CreationDate: input.submittedAt,
      },
    });
    const done = collect(doc);
    const width = doc.page.width - MARGIN * 2;

    doc.font('Helvetica-Bold').fontSize(11).fillColor(GREY).text(toWinAnsi(input.municipality));
    rule(doc, 4);
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(22).fillColor(BLACK).text(t('title'));
    doc.moveDown(0.2).font('Helvetica').fontSize(13).text(toWinAnsi(input.serviceTitle));

    doc.moveDown(1).font('Helvetica').fontSize(10).fillColor(GREY).text(t('reference'));
    doc.font('Helvetica-Bold').fontSize(26).fillColor(BLACK).text(toWinAnsi(input.reference));
    doc.moveDown(0.6);

    const summary = [
      { label: t('submittedAt'), value: formatDate(input.submittedAt, input.locale) },
      { label: t('filedBy'), value: toWinAnsi(input.filedBy) },
    ];
    if (input.organizationName)
      summary.push({ label: t('onBehalfOf'), value: toWinAnsi(input.organizationName) });
    rows(doc, summary, width);

    for (const section of input.sections) {
      doc.x = MARGIN;
      ensureRoom(doc, 60);
      doc.moveDown(1).font('Helvetica-Bold').fontSize(13).fillColor(BLACK);
      doc.text(toWinAnsi(section.title), MARGIN, doc.y, { width });
      rule(doc, 3);
      doc.moveDown(0.5);
      rows(
        doc,
        section.rows.map((row) => ({ label: toWinAnsi(row.label), value: toWinAnsi(row.value) })),
        width,
      );
    }

    doc.x = MARGIN;
    ensureRoom(doc, 50);
    doc.moveDown(1.5).font('Helvetica-Oblique').fontSize(10).fillColor(BLACK);
    doc.text(t('keep'), MARGIN, doc.y, { width });

    // Every page's footer, once the number of pages is known.
    const pages = doc.bufferedPageRange();
    for (let i = pages.start; i < pages.start + pages.count; i++) {
      doc.switchToPage(i);
      const bottom = doc.page.margins.bottom;
      doc.page.margins.bottom = 0; // Writing in the margin must not start a new page.
      doc.font('Helvetica').fontSize(8).fillColor(GREY);
      doc.text(
        `${t('footer', { municipality: toWinAnsi(input.municipality), reference: toWinAnsi(input.reference) })} – ${t('page', { page: i + 1, pages: pages.count })}`,
        MARGIN,
        doc.page.height - MARGIN + 16,
        { width, align: 'center', lineBreak: false },
      );
      doc.page.margins.bottom = bottom;
    }
    doc.end();
    return done;
  }
}

/** Label and value side by side, the label in bold; a row never splits across pages. */
function rows(doc: PDFKit.PDFDocument, items: { label: string; value: string }[], width: number) {
  const labelWidth = Math.round(width * LABEL_SHARE);
  const valueWidth = width - labelWidth - GAP;
  doc.fontSize(10);
  for (const { label, value } of items) {
    doc.font('Helvetica-Bold');
    const labelHeight = doc.heightOfString(label, { width: labelWidth });
    doc.font('Helvetica');
    const shown = value.trim() === '' ? '–' : value;
    const valueHeight = doc.heightOfString(shown, { width: valueWidth });
    const height = Math.max(labelHeight, valueHeight);
    // A value longer than a page flows on by itself; anything shorter starts where it fits.
    if (height < pageRoom(doc, true)) ensureRoom(doc, height);
    const y = doc.y;
    doc.font('Helvetica-Bold').fillColor(BLACK).text(label, MARGIN, y, { width: labelWidth });
    const afterLabel = doc.y;
    doc.font('Helvetica').text(shown, MARGIN + labelWidth + GAP, y, { width: valueWidth });
    const afterValue = doc.y;
    doc.x = MARGIN;
    doc.y = Math.max(afterLabel, afterValue) + 6;
  }
  doc.x = MARGIN;
}

function rule(doc: PDFKit.PDFDocument, below: number) {
  const y = doc.y + 2;
  doc
    .moveTo(MARGIN, y)
    .lineTo(doc.page.width - MARGIN, y)
    .lineWidth(0.75)
    .strokeColor('#b1b4b6')
    .stroke();
  doc.y = y + below;
}

/** The height left on the page (or on a fresh page). */
function pageRoom(doc: PDFKit.PDFDocument, fresh = false): number {
  const bottom = doc.page.height - doc.page.margins.bottom;
  return bottom - (fresh ? doc.page.margins.top : doc.y);
}

function ensureRoom(doc: PDFKit.PDFDocument, height: number) {
  if (pageRoom(doc) < height) doc.addPage();
}

function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolvePdf, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolvePdf(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

/** « 12 mars 2026 à 14 h 05 » / "March 12, 2026 at 2:05 p.m.", in the city's time zone. */
export function formatDate(date: Date, locale: Locale): string {
  return toWinAnsi(
    new Intl.DateTimeFormat(intlLocale(locale), {
      dateStyle: 'long',
      timeStyle: 'short',
      timeZone: 'America/Toronto',
    }).format(date),
  );
}

/** The characters above U+00FF that WinAnsi (Windows-1252) has. */
const WIN_ANSI_EXTRA = new Set(
  '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ'.split('').map((c) => c.codePointAt(0)!),
);

function winAnsiHas(code: number): boolean {
  return (
    code === 0x0a ||
    (code >= 0x20 && code <= 0x7e) ||
    (code >= 0xa0 && code <= 0xff) ||
    WIN_ANSI_EXTRA.has(code)
  );
}

/**
 * Text the standard fonts can show: composed accents, thin and narrow spaces
 * as no-break spaces, other spaces and tabs as spaces, an accented letter
 * WinAnsi lacks as its base letter (ł stays ?, ő becomes o), anything else as ?.
 */
export function toWinAnsi(text: string): string {
  let out = '';
  for (const char of text.normalize('NFC').replace(/\r\n?/g, '\n')) {
    const code = char.codePointAt(0)!;
    if (winAnsiHas(code)) out += char;
    else if (/[\u2007\u2009\u202f]/.test(char)) out += '\u00a0';
    else if (/[\t\p{Zs}]/u.test(char)) out += ' ';
    else if (/\p{Cc}|\p{Cf}/u.test(char)) continue;
    else {
      const base = char.normalize('NFD').replace(/\p{M}/gu, '');
      out += base.length === 1 && winAnsiHas(base.codePointAt(0)!) ? base : '?';
    }
  }
  return out;
}
