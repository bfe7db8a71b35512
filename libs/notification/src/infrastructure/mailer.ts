import { createTransport } from 'nodemailer';

/**
 * E-mail over SMTP (nodemailer): `smtpUrl` like smtp://user:pass@mail.example.org:587 (STARTTLS
 * when offered) or smtps://…:465. The message id is the notification's, so a resend after a crash
 * carries the same Message-ID and mail systems can drop the duplicate.
 */
export function smtpMailer(smtpUrl: string, from: string, timeoutMs: number) {
  const transport = createTransport(smtpUrl, { from });
  const domain = from.split('@')[1]?.replace(/>$/, '') || 'duban.local';
  return async (to: string, subject: string, text: string, messageId: string): Promise<void> => {
    await Promise.race([
      transport.sendMail({ to, subject, text, messageId: `<${messageId}@${domain}>` }),
      new Promise((_, reject) => setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' })), timeoutMs).unref()),
    ]);
  };
}
