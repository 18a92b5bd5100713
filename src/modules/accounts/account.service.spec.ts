import { DataSource } from 'typeorm';
import { InvalidForm } from '../../platform/forms/form-page.js';
import { Refusal } from '../../platform/errors/refusal.js';
import { PASSWORD, createPerson, uniqueEmail } from '../../../test/support/people.js';
import { startTestApp, type TestApp } from '../../../test/support/test-app.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { AccountService } from './account.service.js';
import { KnownDevices } from './known-devices.js';
import { ActingAsService } from './acting-as.service.js';

/**
 * The accounts' rules where they live ("medium" tests: the service against the
 * real PostgreSQL, no HTTP): the rate limits of registration, password resets
 * and sign-in, with small limits set through RATE_LIMITS. Each test comes from
 * its own documentation-range address, so the counts never mix.
 */
describe('AccountService (against PostgreSQL)', () => {
  let portal: TestApp;
  let accounts: AccountService;
  let db: DataSource;

  beforeAll(async () => {
    portal = await startTestApp({
      RATE_LIMITS:
        'register:ip=3/3600,reset:ip=3/3600,reset:email=2/3600,sign-in:ip=4/900,sign-in:email=6/900,' +
        'password-change:account=2/3600',
      // Throttling (counted after the password) must not hide the limits counted before it.
      SIGN_IN_FREE_FAILURES_PER_ACCOUNT: '50',
      SIGN_IN_FREE_FAILURES_PER_ADDRESS: '50',
    });
    accounts = portal.app.get(AccountService);
    db = portal.app.get(DataSource);
  });
  afterAll(() => portal.close());

  const from = (ip: string): RequestOrigin => ({ ip, requestId: `test-${ip}` });

  /** What a call refused with (it must refuse). */
  async function refusal(call: Promise<unknown>): Promise<Refusal | InvalidForm> {
    try {
      await call;
    } catch (error) {
      if (error instanceof Refusal || error instanceof InvalidForm) return error;
      throw error;
    }
    throw new Error('expected a refusal, the call succeeded');
  }

  const registration = (email = uniqueEmail('new')) => ({
    displayName: 'Léa Gagnon',
    email,
    password: 'un mot de passe assez long',
    preferredLocale: 'fr',
  });

  const accountsWith = async (email: string) =>
    Number(
      (
        await db.query(`SELECT count(*) AS n FROM account WHERE lower(email) = lower($1)`, [email])
      )[0].n,
    );

  describe('registration', () => {
    it('checks the whole form at once, the password policy included, in the form order', async () => {
      const refused = await refusal(
        accounts.register(from('192.0.2.101'), {
          displayName: '',
          email: 'not an address',
          password: 'court',
          preferredLocale: 'de',
        }),
      );
      expect(refused).toBeInstanceOf(InvalidForm);
      expect((refused as InvalidForm).problems).toEqual([
        { field: 'displayName', message: 'accounts.errors.nameRequired' },
        { field: 'email', message: 'accounts.errors.emailInvalid' },
        { field: 'password', message: 'accounts.errors.password.too-short', params: { min: 10 } },
        { field: 'preferredLocale', message: 'accounts.errors.localeRequired' },
      ]);
      // What was typed comes back, never the password.
      expect((refused as InvalidForm).values).toEqual({
        displayName: '',
        email: 'not an address',
        preferredLocale: 'de',
      });
    });

    it('reads only text: anything else posted counts as empty', async () => {
      const refused = await refusal(
        accounts.register(from('192.0.2.102'), {
          ...registration(),
          displayName: ['Léa', 'Gagnon'],
        }),
      );
      expect((refused as InvalidForm).problems).toEqual([
        { field: 'displayName', message: 'accounts.errors.nameRequired' },
      ]);
    });

    it('counts every post from a client address, invalid ones too, then refuses with when to retry', async () => {
      const ip = '192.0.2.110';
      expect(await refusal(accounts.register(from(ip), { displayName: '' }))).toBeInstanceOf(
        InvalidForm,
      );
      expect(await refusal(accounts.register(from(ip), 'not even a form'))).toBeInstanceOf(
        InvalidForm,
      );
      const third = registration();
      await accounts.register(from(ip), third);
      expect(await accountsWith(third.email)).toBe(1);

      const fourth = registration();
      const refused = (await refusal(accounts.register(from(ip), fourth))) as Refusal;
      expect(refused).toBeInstanceOf(Refusal);
      expect(refused.code).toBe('too-many');
      expect(refused.status).toBe(429);
      expect(Number(refused.details.headers?.['Retry-After'])).toBeGreaterThan(3000);
      expect(refused.details.params).toEqual({ minutes: 60 });
      expect(await accountsWith(fourth.email)).toBe(0);
      // Past the limit, even an invalid form is answered "too many" (nothing is read).
      expect(((await refusal(accounts.register(from(ip), {}))) as Refusal).code).toBe('too-many');

      // Another client address is not held back.
      await accounts.register(from('192.0.2.111'), fourth);
      expect(await accountsWith(fourth.email)).toBe(1);
    });

    it('answers an address already taken as a new one, and emails its holder instead', async () => {
      const person = await createPerson(db);
      const result = await accounts.register(from('192.0.2.112'), registration(person.email));
      expect(result.accountId).toBe(person.id);
      expect(await accountsWith(person.email)).toBe(1);
      const [mail] = await db.query(
        `SELECT count(*) AS n FROM outbox_message WHERE kind = 'account-exists' AND recipient = $1`,
        [person.email],
      );
      expect(Number(mail.n)).toBe(1);
    });
  });

  describe('password reset requests', () => {
    const resetEmails = async (email: string) =>
      Number(
        (
          await db.query(
            `SELECT count(*) AS n FROM outbox_message WHERE kind = 'reset-password' AND recipient = $1`,
            [email],
          )
        )[0].n,
      );

    it('refuses an address that is not one before counting anything', async () => {
      const ip = '192.0.2.120';
      const codes = [];
      for (const email of ['', ' ', 'nobody', `${'a'.repeat(250)}@exemple.ca`])
        codes.push(
          ((await refusal(accounts.requestPasswordReset(from(ip), email))) as Refusal).code,
        );
      expect(codes).toEqual([
        'email-required',
        'email-required',
        'email-invalid',
        'email-too-long',
      ]);
      // None of them counted: three requests from that address are still allowed.
      for (let i = 0; i < 3; i++)
        await accounts.requestPasswordReset(from(ip), uniqueEmail('unknown'));
    });

    it('allows a few requests per client address, whatever the emails', async () => {
      const ip = '192.0.2.121';
      const person = await createPerson(db);
      for (let i = 0; i < 2; i++)
        await accounts.requestPasswordReset(from(ip), uniqueEmail('unknown'));
      await accounts.requestPasswordReset(from(ip), person.email);
      expect(await resetEmails(person.email)).toBe(1);

      const refused = (await refusal(
        accounts.requestPasswordReset(from(ip), person.email),
      )) as Refusal;
      expect(refused.code).toBe('too-many');
      expect(Number(refused.details.headers?.['Retry-After'])).toBeGreaterThan(0);
      expect(await resetEmails(person.email)).toBe(1);
    });

    it('allows a few requests per email address, whatever the client addresses, in any case', async () => {
      const person = await createPerson(db);
      await accounts.requestPasswordReset(from('192.0.2.122'), person.email);
      await accounts.requestPasswordReset(from('192.0.2.123'), ` ${person.email.toUpperCase()} `);
      expect(await resetEmails(person.email)).toBe(2);
      const refused = (await refusal(
        accounts.requestPasswordReset(from('192.0.2.124'), person.email),
      )) as Refusal;
      expect(refused.code).toBe('too-many');
      expect(await resetEmails(person.email)).toBe(2);
    });

    it("staff adding someone send the link without the requester's limits", async () => {
      const person = await createPerson(db);
      for (let i = 0; i < 4; i++) await accounts.sendResetLink(from('192.0.2.125'), person.email);
      expect(await resetEmails(person.email)).toBe(4);
    });

    it('refuses an empty new password before counting an attempt or reading the link', async () => {
      const refused = (await refusal(
        accounts.resetPassword(from('192.0.2.126'), 'whatever', ''),
      )) as Refusal;
      expect(refused.code).toBe('password-required');
      const [counted] = await db.query(
        `SELECT count(*) AS n FROM rate_limit_hit WHERE key = 'reset-choose:ip:192.0.2.126'`,
      );
      expect(Number(counted.n)).toBe(0);
      expect(await accounts.resetPassword(from('192.0.2.126'), 'not-a-token', PASSWORD)).toEqual({
        ok: false,
        problem: 'invalid-token',
      });
    });
  });

  describe('signing in', () => {
    it('counts attempts per client address before the password, right or wrong', async () => {
      const ip = '192.0.2.130';
      const person = await createPerson(db);
      for (let i = 0; i < 3; i++)
        expect(
          (
            (await refusal(
              accounts.signIn(from(ip), { email: uniqueEmail('nobody'), password: 'faux' }),
            )) as Refusal
          ).code,
        ).toBe('sign-in-failed');
      expect(
        (await accounts.signIn(from(ip), { email: person.email, password: PASSWORD })).account.id,
      ).toBe(person.id);
      const refused = (await refusal(
        accounts.signIn(from(ip), { email: person.email, password: PASSWORD }),
      )) as Refusal;
      expect(refused.code).toBe('too-many');
      expect(refused.status).toBe(429);
    });

    it('counts attempts per email address from browsers not known for it, whatever the client addresses', async () => {
      const person = await createPerson(db);
      for (let i = 0; i < 6; i++)
        await accounts.signIn(from(`198.51.100.${i + 1}`), {
          email: person.email,
          password: PASSWORD,
        });
      const refused = (await refusal(
        accounts.signIn(from('198.51.100.50'), {
          email: person.email.toUpperCase(),
          password: PASSWORD,
        }),
      )) as Refusal;
      expect(refused.code).toBe('too-many');
    });

    it('lets the owner in from a browser known for the account past both limits', async () => {
      const person = await createPerson(db);
      const devices = portal.app.get(KnownDevices);
      const first = await accounts.signIn(from('198.51.100.60'), {
        email: person.email,
        password: PASSWORD,
      });
      const known = devices.read(first.device.value);
      expect(known?.accountId).toBe(person.id);
      for (let i = 0; i < 6; i++)
        await refusal(
          accounts.signIn(from('198.51.100.61'), { email: person.email, password: 'faux' }),
        );
      const stranger = (await refusal(
        accounts.signIn(from('198.51.100.61'), { email: person.email, password: PASSWORD }),
      )) as Refusal;
      expect(stranger.code).toBe('too-many');
      const owner = await accounts.signIn(
        from('198.51.100.61'),
        { email: person.email, password: PASSWORD },
        known,
      );
      expect(owner.account.id).toBe(person.id);
    });

    it('refuses an address not confirmed yet, sending a new link', async () => {
      const person = await createPerson(db);
      await db.query(`UPDATE account SET email_confirmed_at = NULL WHERE id = $1`, [person.id]);
      const refused = (await refusal(
        accounts.signIn(from('198.51.100.70'), { email: person.email, password: PASSWORD }),
      )) as Refusal;
      expect(refused.code).toBe('unconfirmed');
      const [mail] = await db.query(
        `SELECT count(*) AS n FROM outbox_message WHERE kind = 'confirm-email' AND recipient = $1`,
        [person.email],
      );
      expect(Number(mail.n)).toBe(1);
    });
  });

  describe('changing a password and closing an account', () => {
    it('checks the whole form at once, then counts changes per account', async () => {
      const person = await createPerson(db);
      const change = (currentPassword: string, newPassword: string) =>
        accounts.changePassword(
          person.id,
          'no-session',
          { currentPassword, newPassword },
          from('192.0.2.140'),
        );
      const refused = (await refusal(change('', 'court'))) as InvalidForm;
      expect(refused.problems).toEqual([
        { field: 'currentPassword', message: 'accounts.errors.passwordRequired' },
        {
          field: 'newPassword',
          message: 'accounts.errors.password.too-short',
          params: { min: 10 },
        },
      ]);
      expect(((await refusal(change('pas le bon', ''))) as InvalidForm).problems).toEqual([
        { field: 'currentPassword', message: 'accounts.errors.passwordIncorrect' },
        { field: 'newPassword', message: 'accounts.errors.newPasswordRequired' },
      ]);
      const tooMany = (await refusal(
        change(PASSWORD, 'un nouveau mot de passe solide'),
      )) as Refusal;
      expect(tooMany.code).toBe('too-many');
      // Nothing changed: the password still works.
      const signedIn = await accounts.signIn(from('192.0.2.141'), {
        email: person.email,
        password: PASSWORD,
      });
      expect(signedIn.account.id).toBe(person.id);
    });

    it('refuses to close without the right password, and while the person is the last owner of an SME', async () => {
      const person = await createPerson(db);
      const origin = from('192.0.2.142');
      expect(((await refusal(accounts.close(person.id, '', origin))) as Refusal).code).toBe(
        'password-required',
      );
      expect(((await refusal(accounts.close(person.id, 'faux', origin))) as Refusal).code).toBe(
        'password-incorrect',
      );
      const [org] = await db.query(
        `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count, naics_code,
           contact_name, contact_email, contact_phone)
         VALUES ('Atelier Lévesque inc.', '1199887766', '1 rue A', 'Val-des-Cèdres', 'J0A 1B0', 4, '31-33',
           'Léa', $1, '418 555-0100') RETURNING id`,
        [person.email],
      );
      await db.query(
        `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'owner')`,
        [org.id, person.id],
      );
      const lastOwner = (await refusal(accounts.close(person.id, PASSWORD, origin))) as Refusal;
      expect(lastOwner.code).toBe('last-owner');
      expect(lastOwner.details.params).toEqual({ organizations: 'Atelier Lévesque inc.' });
      const [still] = await db.query(`SELECT closed_at FROM account WHERE id = $1`, [person.id]);
      expect(still.closed_at).toBeNull();

      await db.query(`DELETE FROM organization_membership WHERE account_id = $1`, [person.id]);
      await accounts.close(person.id, PASSWORD, origin);
      const [closed] = await db.query(`SELECT closed_at FROM account WHERE id = $1`, [person.id]);
      expect(closed.closed_at).not.toBeNull();
    });
  });

  describe('acting as', () => {
    it('records "myself" or one of the person\'s SMEs in the session, and refuses anything else', async () => {
      const person = await createPerson(db);
      const actingAs = portal.app.get(ActingAsService);
      const account = { ...person, preferredLocale: 'fr' as const, emailConfirmedAt: new Date() };
      const session: { actingAsOrganizationId?: string } = { actingAsOrganizationId: undefined };
      const origin = from('192.0.2.150');
      for (const choice of ['', '00000000-0000-4000-8000-000000000000', 'someone'])
        expect(
          ((await refusal(actingAs.choose(account, session, choice, origin))) as Refusal).code,
        ).toBe('acting-as-required');
      await actingAs.choose(account, session, 'myself', origin);
      expect(session).toEqual({});
    });
  });
});
