import type { Logger } from 'pino';
import type { DomainEvents, EventBus } from '../shared/events.ts';
import type { EmailMessage, Mailer } from './mailer.ts';

type EventTuple = { [K in keyof DomainEvents]: [K, ...DomainEvents[K]] }[keyof DomainEvents];

/**
 * What a change wants to happen once it has committed: e-mails and domain events. Services fill
 * it inside their transaction; the caller dispatches it only when the transaction succeeded, so a
 * rolled-back change never e-mails anyone or resets a detector.
 */
export class AfterCommit {
  readonly emails: EmailMessage[] = [];
  readonly events: EventTuple[] = [];

  email(message: EmailMessage): void {
    this.emails.push(message);
  }

  emit(...event: EventTuple): void {
    this.events.push(event);
  }

  dispatch(target: { events: EventBus; mailer: Mailer; log: Logger }): void {
    const emit = target.events.emit.bind(target.events) as (n: string, ...a: unknown[]) => boolean;
    for (const [name, ...args] of this.events.splice(0)) {
      // The change has committed: a failing listener is logged, never turned into a failed request.
      try {
        emit(name, ...args);
      } catch (err) {
        target.log.error({ err, event: name }, 'domain event listener failed');
      }
    }
    for (const m of this.emails.splice(0)) target.mailer.send(m);
  }
}

/** Runs a change with a fresh AfterCommit and dispatches it only if the change succeeded. */
export async function withAfterCommit<T>(
  target: { events: EventBus; mailer: Mailer; log: Logger },
  change: (after: AfterCommit) => Promise<T>,
): Promise<T> {
  const after = new AfterCommit();
  const result = await change(after);
  after.dispatch(target);
  return result;
}
