import { useEffect, useRef, useState } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { OfflineBanner } from '../components/OfflineBanner.tsx';
import { useStackedTables } from '../components/stacked-tables.ts';
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

/**
 * The frame of every page: role-aware navigation, the bell, the user, and the page. Below 1200 px
 * and in portrait the sidebar is a drawer the menu button opens (styles/field.css decides when).
 */
export function Layout() {
  const user = useCurrentUser();
  const navigate = useNavigate();
  const location = useLocation();
  const alerts = useActiveAlertCount();
  const isAdmin = user.role === 'admin';
  const [menuOpen, setMenuOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  useStackedTables(main);

  // A tap on a destination closes the drawer.
  // biome-ignore lint/correctness/useExhaustiveDependencies: closing on every navigation is the point
  useEffect(() => setMenuOpen(false), [location.pathname]);
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setMenuOpen(false);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [menuOpen]);

  return (
    <div className={menuOpen ? 'shell menu-open' : 'shell'}>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-left">
          <button
            type="button"
            className="menu-button"
            aria-controls="main-nav"
            aria-expanded={menuOpen}
            aria-label={menuOpen ? 'Close menu' : 'Open menu'}
            onClick={() => setMenuOpen((o) => !o)}
          >
            <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
              <path fill="currentColor" d="M3 6h18v2H3zm0 5h18v2H3zm0 5h18v2H3z" />
            </svg>
          </button>
          <NavLink to={paths.dashboard.href()} className="brand" aria-label="CBU CMMS home">
            <span className="brand-mark" aria-hidden="true" />
            <span className="brand-name">
              CBU CMMS
              <small>The Copperbelt University CMMS</small>
            </span>
          </NavLink>
        </div>
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
      <nav className="sidebar" id="main-nav" aria-label="Main">
        <ul>
          <NavItem to={paths.dashboard.href()} label="Dashboard" end />
          <NavItem to={paths.instruments.href()} label="Instruments" />
          <NavItem to={paths.alerts.href()} label="Alerts" badge={alerts.data} />
          <NavItem to={paths.alarmKpis.href()} label="Alarm KPIs" />
          <NavItem to={paths.workOrders.href()} label="Work orders" />
          <NavItem to={paths.planning.href()} label="Next 30 days" />
          <NavItem to={paths.requests.href()} label="Requests" />
          <NavItem to={paths.reports.href()} label="Reports" />
          <NavItem to={paths.referenceStandards.href()} label="Reference standards" />
          <NavItem to={paths.offlineQueue.href()} label="Offline queue" />
          <NavItem to={paths.devices.href()} label="Devices" />
        </ul>
        {isAdmin && (
          <>
            <h2 className="nav-heading">Administration</h2>
            <ul>
              <NavItem to={paths.users.href()} label="Users" />
              <NavItem to={paths.gateways.href()} label="Gateways" />
              <NavItem to={paths.connectors.href()} label="Connectors" />
              <NavItem to={paths.processUnits.href()} label="Process units" />
              <NavItem to={paths.imports.href()} label="Import" />
              <NavItem to={paths.ml.href()} label="Machine learning" />
              <NavItem to={paths.simulator.href()} label="Simulator" />
              <NavItem to={paths.audit.href()} label="Audit trail" />
              <NavItem to={paths.procedures.href()} label="Calibration procedures" />
            </ul>
          </>
        )}
      </nav>
      {menuOpen && <div className="nav-backdrop" aria-hidden="true" onClick={() => setMenuOpen(false)} />}
      <main id="main" className="content" tabIndex={-1} ref={main}>
        <OfflineBanner />
        <Outlet />
      </main>
    </div>
  );
}
