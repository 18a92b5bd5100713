import { attachmentDisposition } from './content-disposition.js';

describe('attachmentDisposition', () => {
  it('sends an ASCII name as it is, in both parameters', () => {
    expect(attachmentDisposition('plan.pdf')).toBe(
      `attachment; filename="plan.pdf"; filename*=UTF-8''plan.pdf`,
    );
  });

  it('gives an ASCII fallback without accents, and the exact name encoded (RFC 6266)', () => {
    expect(attachmentDisposition('Plan d’implantation – façade.pdf')).toBe(
      `attachment; filename="Plan d_implantation _ facade.pdf"; filename*=UTF-8''Plan%20d%E2%80%99implantation%20%E2%80%93%20fa%C3%A7ade.pdf`,
    );
  });

  it('never lets a quote, a backslash, a line break or a path through', () => {
    const header = attachmentDisposition('..\\..\\x"\r\nSet-Cookie: a=b;\'(x)*.pdf');
    expect(header).not.toMatch(/[\r\n]/);
    expect(header).toBe(
      `attachment; filename="x_Set-Cookie: a=b_'(x)*.pdf"; filename*=UTF-8''x%22Set-Cookie%3A%20a%3Db%3B%27%28x%29%2A.pdf`,
    );
    expect(attachmentDisposition('/etc/passwd')).toBe(
      `attachment; filename="passwd"; filename*=UTF-8''passwd`,
    );
    expect(attachmentDisposition('\u202e')).toBe(
      `attachment; filename="document"; filename*=UTF-8''document`,
    );
  });
});
