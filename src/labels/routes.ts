import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { Id } from '../http/schemas.ts';
import { getInstrument, listInstruments } from '../instruments/instrument-service.ts';
import { ValidationError } from '../shared/errors.ts';
import { type Label, renderLabelSheet } from './label-sheet.ts';

const MAX_LABELS = 500;

export const labelRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;

  app.get(
    '/instruments/labels.pdf',
    {
      // Opened as a link in a new tab to print, so ?access_token= is accepted here.
      config: { role: 'user', download: true },
      schema: {
        tags: ['instruments'],
        summary: 'Printable QR labels (PDF)',
        description:
          'An A4 sheet of QR labels (3 x 7, 63.5 x 38.1 mm stock), one per instrument: by `ids` ' +
          '(comma-separated, in that order), by `process_unit_id`, or every live instrument. Each QR ' +
          'code opens the instrument page at PUBLIC_URL (or, unset, the address this request came to); ' +
          'after a login the app returns to it.',
        querystring: Type.Object({
          ids: Type.Optional(
            Type.String({ pattern: '^[1-9][0-9]{0,9}(,[1-9][0-9]{0,9})*$', maxLength: 6000 }),
          ),
          process_unit_id: Type.Optional(Id),
        }),
      },
    },
    async (req, reply) => {
      const now = ctx.clock.now();
      const { ids, process_unit_id } = req.query;
      let instruments: {
        id: number;
        tag: string;
        description: string | null;
        location: string | null;
        process_unit_name: string | null;
      }[];
      if (ids) {
        const list = [...new Set(ids.split(',').map(Number))];
        if (list.length > MAX_LABELS)
          throw new ValidationError('ids', `at most ${MAX_LABELS} instruments per sheet`);
        if (list.some((id) => id > 2_147_483_647)) throw new ValidationError('ids', 'an id is out of range');
        instruments = [];
        for (const id of list) instruments.push(await getInstrument(ctx.db, id, now));
      } else {
        const page = await listInstruments(ctx.db, { process_unit_id, limit: MAX_LABELS, offset: 0 }, now);
        instruments = page.items;
      }
      if (instruments.length === 0) throw new ValidationError('process_unit_id', 'no instruments to label');
      const base = (ctx.config.publicUrl ?? `${req.protocol}://${req.host}`).replace(/\/+$/, '');
      const labels: Label[] = instruments.map((i) => ({
        tag: i.tag,
        description: i.description,
        location: i.location,
        processUnit: i.process_unit_name,
        url: `${base}/instruments/${i.id}`,
      }));
      const pdf = await renderLabelSheet(labels, 'Instrument labels');
      const name = `instrument-labels-${now.toISOString().slice(0, 10)}.pdf`;
      return (reply as FastifyReply)
        .type('application/pdf')
        .header('content-disposition', `inline; filename="${name}"`)
        .header('cache-control', 'no-store')
        .send(pdf);
    },
  );
};
