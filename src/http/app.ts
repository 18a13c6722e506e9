import { existsSync } from 'node:fs';
import path from 'node:path';
import compress from '@fastify/compress';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { AppContext } from '../context.ts';
import { installAuthGuard } from './auth-guard.ts';
import { installErrorHandler } from './error-handler.ts';
import { installRequestValidation } from './request-validation.ts';
import { apiRoutes } from './routes.ts';

// One decorator, the composed context, on purpose: it is frozen (main.ts), so a route can read it
// but never set a part on it, and route modules hand it on whole to the services and workflows that
// take the context (withAfterCommit, scanNow, requestTraining, the report builders). Narrow
// decorators per part would each be read through the same object anyway; routes destructure what
// they use (`const { ctx } = app; ctx.db, ctx.clock ...`).
declare module 'fastify' {
  interface FastifyInstance {
    readonly ctx: AppContext;
  }
}

/** Content types worth compressing; text/event-stream never is. */
export const COMPRESSIBLE =
  /^text\/(?!event-stream)|(?:\+|\/)json(?:;|$)|\/javascript(?:;|$)|(?:\+|\/)xml(?:;|$)|^image\/svg\+xml/u;

export const APP_TITLE = 'The Copperbelt University CMMS';

/**
 * Builds the HTTP app. main.ts and the tests both call this, so the app under test is the app
 * that runs in production.
 */
export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    // Per-request lines only at debug: the dashboard polls, and info should stay readable.
    logController: new LogController({
      disableRequestLogging: ctx.config.logLevel !== 'debug' && ctx.config.logLevel !== 'trace',
    }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('ctx', ctx);

  installErrorHandler(app);
  installAuthGuard(app);
  installRequestValidation(app);

  await app.register(helmet, {
    // The SPA is served from our own origin only; no CDN (plants are often air-gapped).
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    crossOriginEmbedderPolicy: false,
  });

  // Before any route: the plugin hooks each route as it is added. JSON, the web bundle (JS, CSS,
  // HTML, SVG) are compressed; event streams never (a compressor buffers them), binary downloads
  // (PDF, images, attachments) are left as they are, and bodies under 1 kB are not worth it.
  // Brotli at quality 4 (the plugin's default): about gzip's CPU for a smaller answer.
  await app.register(compress, {
    global: true,
    threshold: 1024,
    encodings: ['br', 'gzip'],
    customTypes: COMPRESSIBLE,
  });

  await app.register(swagger, {
    openapi: {
      info: { title: `${APP_TITLE} API`, version: ctx.config.version },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(apiRoutes);
  await serveWeb(app);
  return app;
}

/** The built single-page app, with index.html for any non-API path so client routes deep-link. */
async function serveWeb(app: FastifyInstance) {
  const root = path.resolve(import.meta.dirname, '../../web/dist');
  if (!existsSync(path.join(root, 'index.html'))) {
    app.get('/', { config: { role: 'public' }, schema: { hide: true } }, async (_req, reply) =>
      reply
        .type('text/html')
        .send(
          `<!doctype html><title>${APP_TITLE}</title><p>The web app is not built. Run <code>npm run build:web</code>.</p>`,
        ),
    );
    return;
  }
  await app.register(fastifyStatic, { root, wildcard: false, index: ['index.html'] });
  app.get('/*', { config: { role: 'public' }, schema: { hide: true } }, async (req, reply) => {
    const url = req.url.split('?')[0];
    if (url.startsWith('/api/') || url.startsWith('/docs') || path.extname(url)) {
      return reply
        .status(404)
        .send({ error: { code: 'route_not_found', message: `${req.method} ${url} does not exist` } });
    }
    return reply.sendFile('index.html');
  });
}
