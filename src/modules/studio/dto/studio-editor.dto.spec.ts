import { detailsOf } from '../step-edits.js';
import {
  detailsFrom,
  detailsProblems,
  detailsValues,
  MAX_LIST_ITEMS,
  readDetailsForm,
  versionOf,
  withListAction,
} from './studio-editor.dto.js';

const body = {
  titleFr: '  Permis de piscine ',
  titleEn: 'Pool permit',
  summaryFr: 'Ligne 1\r\nLigne 2\u0007',
  referencePrefix: ' PP ',
  bulkFiling: 'yes',
  version: '4',
  'useThisServiceTo-shared-0-fr': 'déclarer',
  'useThisServiceTo-shared-0-en': 'declare',
  'useThisServiceTo-shared-1-fr': 'modifier',
  'useThisServiceTo-shared-1-en': 'change',
  // After a gap: not read.
  'useThisServiceTo-shared-3-fr': 'perdu',
  'useThisServiceTo-business-0-fr': 'PME',
  action: 'remove:useThisServiceTo:shared:1',
};

describe('the details form', () => {
  it('reads texts (trimmed, paragraphs kept), lists by their inputs and the button pressed', () => {
    const form = readDetailsForm(body);
    expect(form.values.titleFr).toBe('Permis de piscine');
    expect(form.values.summaryFr).toBe('Ligne 1\nLigne 2');
    expect(form.values.referencePrefix).toBe('PP');
    expect(form.values.bulkFiling).toBe('yes');
    expect(form.action).toEqual({
      kind: 'remove',
      list: 'useThisServiceTo',
      part: 'shared',
      index: 1,
    });
    const details = detailsFrom(form.values);
    expect(details.useThisServiceTo).toEqual({
      shared: [
        { fr: 'déclarer', en: 'declare' },
        { fr: 'modifier', en: 'change' },
      ],
      business: [{ fr: 'PME', en: '' }],
    });
    expect(details.bulkFiling).toBe(true);
    expect(withListAction(details, form.action!).useThisServiceTo.shared).toEqual([
      { fr: 'déclarer', en: 'declare' },
    ]);
    expect(
      withListAction(details, { kind: 'add', list: 'beforeYouStart', part: 'business' })
        .beforeYouStart.business,
    ).toEqual([{ fr: '', en: '' }]);
  });

  it('takes an unknown button, or none, as a save; any body as text', () => {
    expect(readDetailsForm({ action: 'remove:nothing:shared:1' }).action).toBeNull();
    expect(readDetailsForm({ action: 'add:beforeYouStart:everyone' }).action).toBeNull();
    expect(readDetailsForm({ action: ['add:beforeYouStart:shared'] }).action).toBeNull();
    expect(readDetailsForm(null).values.titleFr).toBe('');
    expect(readDetailsForm({ titleFr: { a: 1 } }).values.titleFr).toBe('');
  });

  it('allows blank texts, refuses a malformed prefix, a text too long and too many items', () => {
    const blank = readDetailsForm({ referencePrefix: 'AB' }).values;
    expect(detailsProblems(blank)).toEqual([]);
    for (const prefix of ['', 'A', 'abc', 'ABCDE', 'A1'])
      expect(detailsProblems({ ...blank, referencePrefix: prefix })).toEqual([
        { field: 'referencePrefix', message: 'studioEditor.errors.referencePrefix' },
      ]);
    expect(detailsProblems({ ...blank, titleEn: 'x'.repeat(201) })).toEqual([
      { field: 'titleEn', message: 'studioEditor.errors.shortTooLongEn' },
    ]);
    expect(detailsProblems({ ...blank, feesFr: 'x'.repeat(2001) })).toEqual([
      { field: 'feesFr', message: 'studioEditor.errors.longTooLongFr' },
    ]);
    const many: Record<string, string> = { referencePrefix: 'AB' };
    for (let i = 0; i <= MAX_LIST_ITEMS; i++) many[`beforeYouStart-business-${i}-fr`] = 'x';
    expect(detailsProblems(readDetailsForm(many).values)).toEqual([
      expect.objectContaining({ message: 'studioEditor.errors.tooManyItems' }),
    ]);
  });

  it('shows a definition’s details as the form’s values, and reads them back the same', () => {
    const details = {
      ...detailsOf({
        slug: 'x',
        referencePrefix: 'XY',
        title: { fr: 'T', en: 'T' },
        summary: { fr: '', en: '' },
        department: { fr: 'D', en: 'D' },
        processingTime: { fr: '', en: '' },
        fees: { fr: '', en: '' },
        variants: {
          citizen: { summary: { fr: 'c', en: 'c' }, useThisServiceTo: [], beforeYouStart: [] },
          business: {
            summary: { fr: 'b', en: 'b' },
            useThisServiceTo: [{ fr: 'u', en: 'u' }],
            beforeYouStart: [],
          },
        },
        form: { steps: [] },
      }),
    };
    expect(detailsFrom(detailsValues(details))).toEqual(details);
  });

  it('reads the version a page was shown with; anything else is a version no draft has', () => {
    expect(versionOf('12')).toBe(12);
    for (const value of ['', 'x', '-1', '1.5', undefined, ['1'], '9'.repeat(12)])
      expect(versionOf(value)).toBe(-1);
  });
});
