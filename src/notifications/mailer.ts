import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
}

/**
 * Outgoing e-mail. Sending never blocks or fails the change that caused it: messages are handed
 * over after commit, delivered in the background, and a failure is logged, not thrown.
 */
export interface Mailer {
  readonly enabled: boolean;
  send(message: EmailMessage): void;
  /** Waits for messages still being delivered (shutdown, tests). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createMailer(smtp: Config['smtp'], log: Logger): Mailer {
  if (!smtp) {
    return {
      enabled: false,
      send: (m) => log.debug({ to: m.to, subject: m.subject }, 'SMTP_HOST not set: e-mail not sent'),
      flush: async () => {},
      close: async () => {},
    };
  }
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
    // A dead mail server must not hold messages (or shutdown) for nodemailer's 2-minute defaults.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  const inFlight = new Set<Promise<void>>();
  return {
    enabled: true,
    send(message) {
      const p = transport
        .sendMail({ from: smtp.from, ...message })
        .then((info) => log.info({ to: message.to, messageId: info.messageId }, 'e-mail sent'))
        .catch((err: unknown) =>
          log.warn({ err, to: message.to, subject: message.subject }, 'e-mail could not be sent'),
        )
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    },
    async flush() {
      await Promise.allSettled([...inFlight]);
    },
    async close() {
      await Promise.allSettled([...inFlight]);
      transport.close();
    },
  };
}
