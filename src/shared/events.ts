import { EventEmitter } from 'node:events';

/** In-process domain events, emitted after the change has committed. Each has an emitter and a listener. */
export interface DomainEvents {
  /** An instrument was created, changed or soft-deleted: live caches reload it. */
  'instrument.changed': [instrumentId: number];
  /** Many instruments were created or changed at once (an import): live caches re-read the register. */
  'instruments.changed': [];
  /** A calibration was recorded: CUSUM resets, suppression starts. */
  'calibration.recorded': [instrumentId: number, at: string];
  /** A spreadsheet import added calibration history: the calibration states are re-read. */
  'calibrations.imported': [];
  /** A model version was activated (trained or rolled back). */
  'model.activated': [instrumentId: number];
  /** A model group was created, changed, trained, rolled back or deleted: the live monitor reloads it. */
  'model_group.changed': [groupId: number];
  /** Someone resolved an alert: the live aggregator stops deduplicating against it. */
  'alert.resolved': [alertId: number, instrumentId: number | null];
  /** A gateway's broker login was created, changed, disabled or deleted: the broker re-checks it. */
  'gateway.changed': [username: string];
  /** A connector source was created, changed, enabled, disabled or deleted: the manager restarts it. */
  'connector_source.changed': [sourceId: number];
}

export class EventBus extends EventEmitter<DomainEvents> {}
