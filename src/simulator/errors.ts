// Typed simulator errors. They extend the shared domain errors so the HTTP layer's single error
// mapper turns them into 404 / 400 responses (with the bad field named) without knowing about us.
import { AppError, ValidationError } from '../shared/errors.ts';

/** The tag is not one of the simulator's instruments. */
export class UnknownTagError extends AppError {
  constructor(readonly tag: string) {
    super('simulator_unknown_tag', `the simulator has no instrument with tag ${tag}`, 404, { tag });
    this.name = 'UnknownTagError';
  }
}

/** A fault specification failed validation; `field` names the offending property. */
export class InvalidFaultError extends ValidationError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(field, `invalid fault: ${field}: ${message}`);
    this.name = 'InvalidFaultError';
  }
}

/** An instrument definition the simulator cannot generate a signal for. */
export class InvalidInstrumentError extends ValidationError {
  constructor(
    readonly tag: string,
    readonly field: string,
    message: string,
  ) {
    super(field, `invalid instrument ${tag}: ${field}: ${message}`, { tag });
    this.name = 'InvalidInstrumentError';
  }
}
