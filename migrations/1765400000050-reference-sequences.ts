import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reference numbers from a sequence per prefix and year (ADR 0038), instead of
 * the `reference_counter` row that every submission of a service updated and
 * held locked until COMMIT (the queue of `npm run bench:filing`).
 *
 * - `next_application_reference(prefix, year)` answers the next reference,
 *   `PC-2026-000124`, from the sequence `application_reference_pc_2026`, which
 *   it creates the first time a prefix files in a year (two transactions doing
 *   so at once: the second waits for the first and takes its sequence). The
 *   year defaults to the current one.
 * - Each counter row becomes its sequence, at its value (or above the highest
 *   reference of that prefix and year already given, if higher); then the
 *   table goes.
 *
 * A sequence is not transactional: a submission that rolls back after taking
 * its number leaves a gap. References stay unique (the column's UNIQUE) and
 * keep their shape.
 */
export class ReferenceSequences1765400000050 implements MigrationInterface {
  name = 'ReferenceSequences1765400000050';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION next_application_reference(prefix text, year integer DEFAULT NULL)
      RETURNS text LANGUAGE plpgsql AS $$
      DECLARE
        numbered_year integer := coalesce(year, date_part('year', now())::integer);
        sequence_name text := format('application_reference_%s_%s', lower(prefix), numbered_year);
        number bigint;
      BEGIN
        IF prefix !~ '^[A-Z]{2,4}$' OR numbered_year NOT BETWEEN 1000 AND 9999 THEN
          RAISE EXCEPTION 'no reference numbers for prefix % and year %', prefix, numbered_year
            USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF to_regclass(sequence_name) IS NULL THEN
          BEGIN
            EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I', sequence_name);
          EXCEPTION WHEN unique_violation OR duplicate_table THEN
            NULL; -- another transaction created it meanwhile and has committed
          END;
        END IF;
        number := nextval(sequence_name::regclass);
        RETURN prefix || '-' || numbered_year || '-' || lpad(number::text, greatest(6, length(number::text)), '0');
      END $$`);
    // Each counter (and any reference above it) carries on in its sequence.
    await q.query(`
      DO $$
      DECLARE
        c record;
      BEGIN
        FOR c IN
          SELECT prefix, year, max(last_value) AS last_value FROM (
            SELECT prefix, year, last_value FROM reference_counter
            UNION ALL
            SELECT split_part(reference, '-', 1), split_part(reference, '-', 2)::integer,
                   max(split_part(reference, '-', 3)::bigint)
              FROM application WHERE reference IS NOT NULL
             GROUP BY 1, 2
          ) AS given
          GROUP BY prefix, year
        LOOP
          EXECUTE format('CREATE SEQUENCE %I', format('application_reference_%s_%s', lower(c.prefix), c.year));
          PERFORM setval(format('application_reference_%s_%s', lower(c.prefix), c.year)::regclass,
                         greatest(c.last_value, 1), c.last_value > 0);
        END LOOP;
      END $$`);
    await q.query(`DROP TABLE reference_counter`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reference_counter (
        prefix      text NOT NULL,
        year        integer NOT NULL,
        last_value  integer NOT NULL,
        PRIMARY KEY (prefix, year)
      )`);
    await q.query(`
      DO $$
      DECLARE
        s record;
      BEGIN
        FOR s IN
          SELECT sequencename, coalesce(last_value, 0) AS last_value FROM pg_sequences
           WHERE schemaname = current_schema() AND sequencename ~ '^application_reference_[a-z]{2,4}_[0-9]{4}$'
        LOOP
          INSERT INTO reference_counter (prefix, year, last_value)
          VALUES (upper(split_part(s.sequencename, '_', 3)), split_part(s.sequencename, '_', 4)::integer,
                  s.last_value);
          EXECUTE format('DROP SEQUENCE %I', s.sequencename);
        END LOOP;
      END $$`);
    await q.query(`DROP FUNCTION next_application_reference(text, integer)`);
  }
}
