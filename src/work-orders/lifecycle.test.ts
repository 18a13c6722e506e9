import { describe, expect, it } from 'vitest';
import { ConflictError } from '../shared/errors.ts';
import { assertTransition, WORK_ORDER_STATUSES } from './lifecycle.ts';

describe('work order lifecycle', () => {
  it('allows open -> in_progress -> completed and cancelling open work only', () => {
    const allowed = WORK_ORDER_STATUSES.flatMap((from) =>
      WORK_ORDER_STATUSES.filter((to) => {
        try {
          assertTransition(from, to);
          return true;
        } catch {
          return false;
        }
      }).map((to) => `${from}->${to}`),
    );
    expect(allowed.sort()).toEqual([
      'in_progress->cancelled',
      'in_progress->completed',
      'open->cancelled',
      'open->in_progress',
    ]);
  });

  it('names both states in the 409', () => {
    try {
      assertTransition('completed', 'open');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConflictError);
      const err = e as ConflictError;
      expect(err).toMatchObject({
        code: 'work_order_invalid_transition',
        status: 409,
        details: { from: 'completed', to: 'open' },
      });
      expect(err.message).toMatch(/completed.*open/);
    }
  });
});
