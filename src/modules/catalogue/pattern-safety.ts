/**
 * Whether a designer's pattern (a text question's `pattern.regex`) repeats a
 * group that itself repeats, e.g. `(a+)+`, `(\d*)*`, `(\w+\s?){2,}`: the shape
 * that makes JavaScript's backtracking engine take exponential time on an
 * answer that almost matches, blocking the portal's only thread for every
 * user (a regular-expression denial of service). Such a pattern is refused in
 * the field editor and by the definition checks (form-problems.ts), so no
 * revision holding one can be released or imported.
 *
 * A conservative reading of the source, not a full parser: escapes and
 * character classes are skipped, a group "repeats inside" when it holds an
 * unbounded or multiple quantifier (`*`, `+`, `{n,}`, `{n,m}` with m > 1), at
 * any depth, and it is dangerous when such a group is itself repeated.
 */
export function repeatsRepetition(regex: string): boolean {
  /** For each group open at this point: whether something inside it repeats. */
  const open: boolean[] = [];
  let i = 0;
  const markRepeat = () => {
    if (open.length > 0) open[open.length - 1] = true;
  };
  while (i < regex.length) {
    const c = regex[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '[') {
      i = classEnd(regex, i) + 1;
      continue;
    }
    if (c === '(') {
      open.push(false);
      i += 1;
      continue;
    }
    if (c === ')') {
      const repeatedInside = open.pop() ?? false;
      const after = quantifierAt(regex, i + 1);
      if (after.repeats && repeatedInside) return true;
      // The group (repeated or holding a repetition) repeats inside its parent.
      if (after.repeats || repeatedInside) markRepeat();
      i += 1 + after.length;
      continue;
    }
    const quantifier = quantifierAt(regex, i);
    if (quantifier.length > 0) {
      if (quantifier.repeats) markRepeat();
      i += quantifier.length;
      continue;
    }
    i += 1;
  }
  return false;
}

/** The index of the `]` closing the character class opened at `start` (or the end). */
function classEnd(regex: string, start: number): number {
  let i = start + 1;
  if (regex[i] === '^') i += 1;
  if (regex[i] === ']') i += 1;
  while (i < regex.length && regex[i] !== ']') i += regex[i] === '\\' ? 2 : 1;
  return i;
}

/** The quantifier at `i`, if any: its length (lazy `?` included) and whether it allows more than one. */
function quantifierAt(regex: string, i: number): { length: number; repeats: boolean } {
  const c = regex[i];
  let length: number;
  let repeats: boolean;
  if (c === '*' || c === '+') {
    length = 1;
    repeats = true;
  } else if (c === '?') {
    length = 1;
    repeats = false;
  } else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(regex.slice(i));
    if (!m) return { length: 0, repeats: false };
    length = m[0].length;
    const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
    repeats = max > 1;
  } else return { length: 0, repeats: false };
  if (regex[i + length] === '?') length += 1;
  return { length, repeats };
}
