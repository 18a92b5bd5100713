/**
 * An address shown to someone who may not own it: the first character of its
 * local part and its domain ("m•••@boulangerie.example"), enough for its owner
 * to recognise it, not enough for anyone else to write to it.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '•••';
  return `${email.slice(0, 1)}•••${email.slice(at)}`;
}
