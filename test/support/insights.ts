import type { DataSource } from 'typeorm';

/**
 * `count` verified SMEs, each with one person (not signed in anywhere), for
 * the insights' data sets: in order, SME i with its person i. `tag` keeps
 * their NEQs (two digits, then eight) and addresses apart from other specs'.
 */
export async function manySmes(
  db: DataSource,
  count: number,
  tag: { neqPrefix: string; name: string },
): Promise<{ org: string; owner: string }[]> {
  const people = await db.query<{ id: string }[]>(
    `INSERT INTO account (email, display_name, password_hash, preferred_locale, email_confirmed_at)
     SELECT $2 || '-' || i || '@insights.example', $2 || ' ' || i, 'x', 'fr', now()
       FROM generate_series(1, $1::int) AS i ORDER BY i RETURNING id`,
    [count, tag.name],
  );
  const smes = await db.query<{ id: string }[]>(
    `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count,
                               naics_code, contact_name, contact_email, contact_phone, verified_at)
     SELECT $2 || ' ' || i, $3 || lpad(i::text, 8, '0'), '1 rue', 'Val-des-Cèdres', 'J0A 1B0', 5,
            '31-33', 'Contact', $2 || '-sme-' || i || '@insights.example', '418 555-0100', now()
       FROM generate_series(1, $1::int) AS i ORDER BY i RETURNING id`,
    [count, tag.name, tag.neqPrefix],
  );
  return smes.map((sme, i) => ({ org: sme.id, owner: people[i].id }));
}
