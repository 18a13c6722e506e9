import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../http/auth-guard.ts';
import { Id, IdParams, Ok, Page, PageQuery } from '../http/schemas.ts';
import { getInstrument } from '../instruments/instrument-service.ts';
import { createDevice, getDevice, listDevices, retireDevice, updateDevice } from './device-service.ts';
import { installDevice, listInstallations, removeDevice } from './installations.ts';
import {
  CreateDeviceBody,
  DeviceSchema,
  DeviceStatus,
  InstallationSchema,
  InstallBody,
  PatchDeviceBody,
  RemoveBody,
} from './schemas.ts';

export const deviceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app;
  const tags = ['devices'];

  app.get(
    '/devices',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description: 'Physical devices (transmitters) with where each is installed now.',
        querystring: Type.Object({
          q: Type.Optional(
            Type.String({ maxLength: 100, description: 'search serial, manufacturer, model, tag' }),
          ),
          manufacturer: Type.Optional(Type.String({ maxLength: 100 })),
          model: Type.Optional(Type.String({ maxLength: 100 })),
          status: Type.Optional(DeviceStatus),
          instrument_id: Type.Optional(Id),
          ...PageQuery,
        }),
        response: { 200: Page(DeviceSchema) },
      },
    },
    async (req) =>
      listDevices(ctx.db, { ...req.query, limit: req.query.limit ?? 50, offset: req.query.offset ?? 0 }),
  );

  app.post(
    '/devices',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Registers a device. Serial numbers are unique among live devices regardless of case (409).',
        body: CreateDeviceBody,
        response: { 201: DeviceSchema },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await createDevice(ctx.db, currentUser(req).id, req.body, ctx.clock.now())),
  );

  app.get(
    '/devices/:id',
    { config: { role: 'user' }, schema: { tags, params: IdParams, response: { 200: DeviceSchema } } },
    async (req) => getDevice(ctx.db, req.params.id),
  );

  app.patch(
    '/devices/:id',
    {
      config: { role: 'admin' },
      schema: { tags, params: IdParams, body: PatchDeviceBody, response: { 200: DeviceSchema } },
    },
    async (req) => updateDevice(ctx.db, currentUser(req).id, req.params.id, req.body, ctx.clock.now()),
  );

  app.delete(
    '/devices/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Retires a device (kept with its history). An installed device must be removed first (409).',
        params: IdParams,
        response: { 200: Ok },
      },
    },
    async (req) => retireDevice(ctx.db, currentUser(req).id, req.params.id, ctx.clock.now()),
  );

  app.get(
    '/devices/:id/installations',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description: 'Where this device was installed, newest first.',
        params: IdParams,
        querystring: Type.Object({ ...PageQuery }),
        response: { 200: Page(InstallationSchema) },
      },
    },
    async (req) => {
      await getDevice(ctx.db, req.params.id);
      return listInstallations(ctx.db, {
        device_id: req.params.id,
        limit: req.query.limit ?? 50,
        offset: req.query.offset ?? 0,
      });
    },
  );

  app.get(
    '/instruments/:id/installations',
    {
      config: { role: 'user' },
      schema: {
        tags,
        description:
          'Which device sat in this position and when, newest first (`current` is the one there now).',
        params: IdParams,
        querystring: Type.Object({ ...PageQuery }),
        response: { 200: Page(InstallationSchema) },
      },
    },
    async (req) => {
      await getInstrument(ctx.db, req.params.id, ctx.clock.now(), { includeDeleted: true });
      return listInstallations(ctx.db, {
        instrument_id: req.params.id,
        limit: req.query.limit ?? 50,
        offset: req.query.offset ?? 0,
      });
    },
  );

  app.post(
    '/instruments/:id/installations',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description:
          'Installs a device into this position. An occupied position is 409 position_occupied unless ' +
          '`swap: true`, which removes the device there at the same moment (each device keeps its ' +
          'history). A device installed elsewhere is 409 device_installed_elsewhere; of two racing ' +
          'installs one wins, the other gets 409.',
        params: IdParams,
        body: InstallBody,
        response: { 201: InstallationSchema },
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(await installDevice(ctx.db, currentUser(req).id, req.params.id, req.body, ctx.clock.now())),
  );

  app.post(
    '/instruments/:id/installations/remove',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        description: 'Removes the device now in this position (409 position_empty when there is none).',
        params: IdParams,
        body: RemoveBody,
        response: { 200: InstallationSchema },
      },
    },
    async (req) => removeDevice(ctx.db, currentUser(req).id, req.params.id, req.body, ctx.clock.now()),
  );
};
