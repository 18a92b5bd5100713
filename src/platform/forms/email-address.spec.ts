import { isEmailAddress, MAX_EMAIL_LENGTH } from './email-address.js';

describe('the email check of the forms', () => {
  it.each(['marie@exemple.ca', 'm.tremblay+guichet@ville.qc.ca', 'a@b.co'])('accepts %s', (v) =>
    expect(isEmailAddress(v)).toBe(true),
  );

  it.each([
    '',
    'marie',
    'marie@',
    '@exemple.ca',
    'marie@exemple',
    'marie@.ca',
    'marie@exemple.',
    'marie@@exemple.ca',
    'ma rie@exemple.ca',
    'marie@exemple.ca\n',
  ])('refuses %j', (v) => expect(isEmailAddress(v)).toBe(false));

  it('refuses a long value by its length, before looking at its shape', () => {
    // Well formed but one character too long: only the length rule can refuse it.
    const local = 'a'.repeat(MAX_EMAIL_LENGTH - '@exemple.ca'.length + 1);
    expect(isEmailAddress(`${local}@exemple.ca`)).toBe(false);
    expect(isEmailAddress(`${local.slice(1)}@exemple.ca`)).toBe(true);
    // The shape that made the old pattern quadratic (many dots, no end): refused at once.
    expect(isEmailAddress(`a@${'.'.repeat(100_000)}`)).toBe(false);
  });
});
