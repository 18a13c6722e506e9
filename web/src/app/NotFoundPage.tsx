import { Link } from 'react-router-dom';
import { paths } from '../config/paths.ts';

export function NotFoundPage() {
  return (
    <div className="page">
      <div className="empty-state">
        <p className="empty-title">There is no page at this address.</p>
        <p>
          <Link to={paths.dashboard.href()}>Go to the dashboard</Link>
        </p>
      </div>
    </div>
  );
}
