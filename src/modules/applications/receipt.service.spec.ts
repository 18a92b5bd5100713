import { I18nService } from '../../platform/i18n/i18n.service.js';
import { ReceiptService, toWinAnsi, type ReceiptInput } from './receipt.service.js';

/**
 * The text of an uncompressed PDF's content streams. pdfkit writes each run of
 * text as hex strings in a TJ array (`[<4163> 20 <6375>] TJ`), in WinAnsi for
 * the standard fonts: decoding and joining them gives the text back, line by line.
 */
function textOf(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  return [...raw.matchAll(/\[([^\]]*)\] TJ/g)]
    .map(([, array]) =>
      [...array.matchAll(/<([0-9a-f]*)>/gi)].map(([, hex]) => fromWinAnsi(hex)).join(''),
    )
    .join('\n');
}

/** Windows-1252's 0x80–0x9F (Node's TextDecoder reads them as Latin-1 control characters). */
const CP1252_80_9F = '€?‚ƒ„…†‡ˆ‰Š‹Œ?Ž??‘’“”•–—˜™š›œ?žŸ';

function fromWinAnsi(hex: string): string {
  return [...Buffer.from(hex, 'hex')]
    .map((b) => (b >= 0x80 && b <= 0x9f ? CP1252_80_9F[b - 0x80] : String.fromCharCode(b)))
    .join('');
}

const input: ReceiptInput = {
  locale: 'fr',
  municipality: 'Val-des-Cèdres',
  serviceTitle: 'Permis de construction',
  reference: 'PC-2026-000123',
  submittedAt: new Date('2026-03-12T18:05:00Z'),
  filedBy: 'Marie Tremblay',
  organizationName: 'Boulangerie du Vieux-Moulin inc.',
  sections: [
    {
      title: 'Les travaux',
      rows: [
        { label: 'Type de travaux', value: 'Rénovation' },
        { label: 'Description des travaux', value: 'Remplacement des fenêtres de la façade.' },
        { label: 'Coût estimé', value: '18 500,00 $' },
      ],
    },
    {
      title: 'Documents',
      rows: [{ label: 'Plan d’implantation', value: 'plan.pdf (1,2 Mo)' }],
    },
  ],
};

describe('ReceiptService', () => {
  const receipts = new ReceiptService(new I18nService());

  it('makes a PDF', async () => {
    const pdf = await receipts.pdf(input);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toContain('%%EOF');
  });

  it('shows the title, reference, date, filer and answers, accents included', async () => {
    const text = textOf(await receipts.pdf(input, { compress: false }));
    expect(text).toContain('Accusé de réception');
    expect(text).toContain('PC-2026-000123');
    // 18:05 UTC is 14 h 05 in Toronto (EDT) on 12 March 2026.
    expect(text).toContain('12 mars 2026 à 14 h 05');
    expect(text).toContain('Marie Tremblay');
    expect(text).toContain('Boulangerie du Vieux-Moulin inc.');
    expect(text).toContain('Coût estimé');
    expect(text).toContain('Plan d’implantation');
    expect(text).toContain('Conservez ce reçu');
    expect(text).toContain('Val-des-Cèdres – Accusé de réception PC-2026-000123 – Page 1 de 1');
  });

  it('speaks English to an English reader', async () => {
    const text = textOf(
      await receipts.pdf(
        { ...input, locale: 'en', organizationName: undefined },
        { compress: false },
      ),
    );
    expect(text).toContain('Receipt');
    expect(text).toContain('Reference number');
    expect(text).toContain('March 12, 2026 at 2:05 p.m.');
    expect(text).not.toContain('On behalf of');
  });

  it('flows long answers onto a second page, numbered', async () => {
    const long = {
      ...input,
      sections: [
        {
          title: 'Les travaux',
          rows: Array.from({ length: 40 }, (_, i) => ({
            label: `Question ${i + 1}`,
            value: 'Une réponse assez longue pour occuper deux lignes du reçu imprimé, ou presque.',
          })),
        },
      ],
    };
    const text = textOf(await receipts.pdf(long, { compress: false }));
    const pages = Number(/Page 1 de (\d+)/.exec(text)?.[1]);
    expect(pages).toBeGreaterThan(1);
    expect(text).toContain(`Page ${pages} de ${pages}`);
    expect(text).toContain('Question 40');
    // A row is never cut in two: each answer follows its question on the same page.
    expect(text).not.toMatch(/Question \d+\nVal-des-Cèdres –/);
  });

  it('keeps what WinAnsi can show and replaces the rest', () => {
    expect(toWinAnsi('« Œuvre » – l’été… 5 €')).toBe('« Œuvre » – l’été… 5 €');
    expect(toWinAnsi('14\u202fh\u200905')).toBe('14\u00a0h\u00a005');
    expect(toWinAnsi('Gdańsk, Łódź, 北京')).toBe('Gdansk, ?ódz, ??');
    expect(toWinAnsi('e\u0301te\u0301')).toBe('été');
  });
});
