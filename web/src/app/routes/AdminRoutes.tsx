import { useParams } from 'react-router-dom';
import { ProceduresPage } from '../../features/calibration/components/ProceduresPage.tsx';
import { StandardReviewPanel } from '../../features/calibration/components/StandardReviewPanel.tsx';
import { MlPage } from '../../features/ml/components/MlPage.tsx';
import { useProcessUnits } from '../../features/process-units/api/get-process-units.ts';
import { ReferenceStandardDetail } from '../../features/reference-standards/components/ReferenceStandardDetail.tsx';
import { ReportsPage } from '../../features/reports/components/ReportsPage.tsx';
import { SimulatorCard } from '../../features/simulator/components/SimulatorCard.tsx';
import { useInstrumentOptions } from '../options.ts';

export function MlRoute() {
  const { tags, instruments } = useInstrumentOptions();
  return <MlPage tags={tags} instruments={instruments} />;
}

export function SimulatorRoute() {
  const { tags } = useInstrumentOptions();
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Data simulator</h1>
          <p className="subtitle">
            Realistic signals for every instrument over MQTT, and faults on demand to exercise the detectors.
          </p>
        </div>
      </header>
      <section className="panel">
        <SimulatorCard tags={tags} />
      </section>
    </div>
  );
}

export function ReportsRoute() {
  const units = useProcessUnits();
  return <ReportsPage processUnits={units.data?.items ?? []} />;
}

export function ReferenceStandardRoute() {
  const id = Number(useParams().id);
  return (
    <>
      <ReferenceStandardDetail id={id} />
      <div className="page">
        <StandardReviewPanel standardId={id} />
      </div>
    </>
  );
}

export function ProceduresRoute() {
  const { options } = useInstrumentOptions();
  return <ProceduresPage instruments={options} />;
}
