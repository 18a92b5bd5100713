import { Transform } from 'class-transformer';

/** A textarea's text: kept as typed (line breaks as \n), without surrounding blanks. */
export const Multiline = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.replace(/\r\n/g, '\n').trim() : value,
  );
