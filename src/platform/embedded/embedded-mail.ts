import { MailDev } from 'maildev';

export interface RunningMailCatcher {
  smtpUrl: string;
  webUrl: string;
  stop(): Promise<void>;
}

/** A local SMTP catcher with a web page (MailDev), listening on loopback only. */
export async function startEmbeddedMail(
  smtpPort: number,
  webPort: number,
): Promise<RunningMailCatcher> {
  const maildev = new MailDev({
    smtp: smtpPort,
    web: webPort,
    ip: '127.0.0.1',
    webIp: '127.0.0.1',
    silent: true,
  });
  await maildev.start();
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    webUrl: `http://127.0.0.1:${webPort}`,
    stop: () => maildev.stop(),
  };
}
