import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const calibrationImportRoutes: FastifyPluginAsyncTypebox = async () => {};
