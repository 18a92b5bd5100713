import nodemailer, { type Transporter } from 'nodemailer';

export type MailState = 'up' | 'down';

/**
 * Sends email over SMTP (SMTP_URL). Later issues deliver through the outbox; this
 * service is the transport and the readiness probe.
 */
export class MailService {
  private readonly transport: Transporter;
  private lastCheck: { at: number; state: MailState } | undefined;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport({
      url: smtpUrl,
      connectionTimeout: 3000,
      greetingTimeout: 3000,
    });
  }

  async send(message: { to: string; subject: string; text: string; html?: string }): Promise<void> {
    await this.transport.sendMail({ from: this.from, ...message });
  }

  /** Whether the SMTP server answers; cached for 10 s so probes do not hammer it. */
  async state(): Promise<MailState> {
    const now = Date.now();
    if (this.lastCheck && now - this.lastCheck.at < 10_000) return this.lastCheck.state;
    const state: MailState = await this.transport.verify().then(
      () => 'up',
      () => 'down',
    );
    this.lastCheck = { at: now, state };
    return state;
  }

  close(): void {
    this.transport.close();
  }
}
