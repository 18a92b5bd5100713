import { repeatsRepetition } from './pattern-safety.js';

describe('repeatsRepetition: patterns that would take exponential time', () => {
  it.each([
    '^(a+)+$',
    '(\\d*)*',
    '^(\\w+\\s?){2,}$',
    '((ab)+c)*',
    '^([a-z]+)*$',
    '(x{2,3}){5}',
    '^((a|b)+)+$',
    '(?:\\d+-?)+',
  ])('refuses %s', (regex) => {
    expect(repeatsRepetition(regex)).toBe(true);
  });

  it.each([
    '^\\d{10}$',
    '^\\d{4}-?\\d{4}-?\\d{2}$',
    '^\\d{1}\\s?\\d{3}\\s?\\d{3}$',
    '^[A-Z]{2}(-\\d+)?$',
    '^(ab)+$',
    '^[(+)]+$',
    '^\\(\\d+\\)+$',
    '^(\\d{3})?$',
    '',
  ])('accepts %s', (regex) => {
    expect(repeatsRepetition(regex)).toBe(false);
  });
});
