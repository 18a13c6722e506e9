import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { paths } from '../config/paths.ts';
import { useIsAdmin } from '../lib/session.ts';

/** Admin pages render nothing of themselves for a technician who follows an old link. */
export function RequireAdmin({ children }: { children: ReactNode }) {
  if (useIsAdmin()) return <>{children}</>;
  return (
    <div className="page">
      <div className="empty-state">
        <p className="empty-title">This page is for administrators.</p>
        <p>
          <Link to={paths.dashboard.href()}>Back to the dashboard</Link>
        </p>
      </div>
    </div>
  );
}
