import { Modal } from '../../../components/Modal.tsx';
import { useBaselines } from '../api/get-baselines.ts';
import { ModelVersions } from './ModelVersions.tsx';
import { TrainPanel } from './TrainPanel.tsx';

/** Train from the register row, in place: start the job, watch it, see the versions. */
export function TrainModal({ tag, onClose }: { tag: string; onClose: () => void }) {
  const baselines = useBaselines(tag);
  return (
    <Modal
      wide
      title={`Anomaly model — ${tag}`}
      onClose={onClose}
      footer={
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      }
    >
      <TrainPanel tag={tag} baselineCount={baselines.data ? baselines.data.length : null} />
      <h3 style={{ marginTop: '1rem' }}>Model versions</h3>
      <ModelVersions tag={tag} />
    </Modal>
  );
}
