import { NavLink, Outlet, useNavigate } from 'react-router-dom';
import { paths } from '../config/paths.ts';
import { useActiveAlertCount } from '../features/alerts/api/get-active-alert-count.ts';
import { NotificationBell } from '../features/notifications/components/NotificationBell.tsx';
import { endSession, useCurrentUser } from '../lib/session.ts';

function NavItem({ to, label, badge, end }: { to: string; label: string; badge?: number; end?: boolean }) {
  return (
    <li>
      <NavLink to={to} end={end} className={({ isActive }) => (isActive ? 'nav-link active' : 'nav-link')}>
        <span>{label}</span>
        {badge ? (
          <span className="nav-badge" data-testid={`nav-badge-${label.toLowerCase()}`}>
            {badge > 999 ? '999+' : badge}
            <span className="sr-only"> active</span>
          </span>
        ) : null}
      </NavLink>
    </li>
  );
}

/** The frame of every page: role-aware navigation, the bell, the user, and the page. */
export function Layout() {
  const user = useCurrentUser();
  const navigate = useNavigate();
  const alerts = useActiveAlertCount();
  const isAdmin = user.role === 'admin';

  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to={paths.dashboard.href()} className="brand" aria-label="CBU CMMS home">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">
            CBU CMMS
            <small>The Copperbelt University CMMS</small>
          </span>
        </NavLink>
        <div className="topbar-right">
          <NotificationBell onOpenWorkOrder={(id) => navigate(paths.workOrder.href(id))} />
          <NavLink to={paths.account.href()} className="user-chip" title="My account">
            <span className="user-name">{user.full_name}</span>
            <span className="user-role">{isAdmin ? 'Administrator' : 'Technician'}</span>
          </NavLink>
          <button type="button" className="button button-ghost" onClick={() => endSession('logout')}>
            Log out
          </button>
        </div>
      </header>
      <nav className="sidebar" aria-label="Main">
        <ul>
          <NavItem to={paths.dashboard.href()} label="Dashboard" end />
          <NavItem to={paths.instruments.href()} label="Instruments" />
          <NavItem to={paths.alerts.href()} label="Alerts" badge={alerts.data} />
          <NavItem to={paths.workOrders.href()} label="Work orders" />
          <NavItem to={paths.reports.href()} label="Reports" />
          <NavItem to={paths.referenceStandards.href()} label="Reference standards" />
        </ul>
        {isAdmin && (
          <>
            <h2 className="nav-heading">Administration</h2>
            <ul>
              <NavItem to={paths.users.href()} label="Users" />
              <NavItem to={paths.gateways.href()} label="Gateways" />
              <NavItem to={paths.processUnits.href()} label="Process units" />
              <NavItem to={paths.ml.href()} label="Machine learning" />
              <NavItem to={paths.simulator.href()} label="Simulator" />
              <NavItem to={paths.audit.href()} label="Audit trail" />
              <NavItem to={paths.procedures.href()} label="Calibration procedures" />
            </ul>
          </>
        )}
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
