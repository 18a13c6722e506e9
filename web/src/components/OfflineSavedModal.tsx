import { Link } from 'react-router-dom';
import { paths } from '../config/paths.ts';
import { Modal } from './Modal.tsx';

/** Said after a form was saved to the offline outbox instead of the server. */
export function OfflineSavedModal({ what, onClose }: { what: string; onClose: () => void }) {
  return (
    <Modal
      title="Saved on this device"
      onClose={onClose}
      footer={
        <button type="button" className="button button-primary" onClick={onClose} autoFocus>
          Done
        </button>
      }
    >
      <p className="notice" role="status" data-testid="entry-queued">
        There is no connection. {what} is kept on this device and will be sent when the connection returns.
        The <Link to={paths.offlineQueue.href()}>offline queue</Link> shows it until then, and any entry the
        server refuses.
      </p>
    </Modal>
  );
}
