import { useInstruments } from '../features/instruments/api/get-instruments.ts';
import { useUsers } from '../features/users/api/get-users.ts';
import { useIsAdmin } from '../lib/session.ts';

// Pick-lists that one feature's forms need from another feature's data, composed here.

export function useInstrumentOptions() {
  const q = useInstruments({ limit: 500, offset: 0 });
  const items = q.data?.items ?? [];
  return {
    instruments: items,
    options: items.map((i) => ({
      id: i.id,
      label: `${i.tag} — ${i.description ?? i.measured_variable ?? i.type}`,
    })),
    tags: items.map((i) => i.tag),
  };
}

/** Active users an admin may assign work to (the users API is admin-only). */
export function useAssigneeOptions() {
  const isAdmin = useIsAdmin();
  const q = useUsers({ is_active: true, limit: 500, offset: 0 }, isAdmin);
  return (q.data?.items ?? []).map((u) => ({
    id: u.id,
    label: `${u.full_name} (${u.employee_number}${u.role === 'admin' ? ', admin' : ''})`,
  }));
}
