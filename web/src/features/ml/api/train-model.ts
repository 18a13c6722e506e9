import { useMutation } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';

/** Queues training (202 with the job to follow). */
export const trainModel = (tag: string) =>
  apiRequest<{ job_id: number }>(`/api/ml/train/${encodeURIComponent(tag)}`, { method: 'POST', body: {} });

export const useTrainModel = () => useMutation({ mutationFn: trainModel });
