import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { InstrumentProcedure } from '../types.ts';

export const getInstrumentProcedure = (instrumentId: number) =>
  apiRequest<InstrumentProcedure>(`/api/instruments/${instrumentId}/calibration-procedure`);

export const instrumentProcedureQueryOptions = (instrumentId: number) =>
  queryOptions({
    queryKey: [...queryKeys.calibrations.forInstrument(instrumentId), 'procedure'],
    queryFn: () => getInstrumentProcedure(instrumentId),
  });

/** The procedure the instrument follows (its own, else its type's), which drives the modal's points. */
export const useInstrumentProcedure = (instrumentId: number) =>
  useQuery(instrumentProcedureQueryOptions(instrumentId));
