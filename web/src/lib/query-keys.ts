import type { Query } from './api-client.ts';

// Every query key in one place, so a mutation in one feature invalidates another feature's
// cached data through the very key that feature reads with (e.g. a calibration refreshes the
// instrument register and the dashboard).

export const queryKeys = {
  me: ['auth', 'me'] as const,
  dashboard: {
    all: ['dashboard'] as const,
    /** One page of cards for a filter (api/get-summary.ts): invalidated with `all`. */
    page: (filter: object, page: number) => ['dashboard', 'page', filter, page] as const,
  },
  instruments: {
    all: ['instruments'] as const,
    list: (q: Query) => ['instruments', 'list', q] as const,
    detail: (id: number) => ['instruments', 'detail', id] as const,
    status: (id: number) => ['instruments', 'status', id] as const,
    outOfService: (id: number) => ['instruments', 'out-of-service', id] as const,
    outOfServiceIds: ['instruments', 'out-of-service-ids'] as const,
  },
  processUnits: { all: ['process-units'] as const },
  trends: {
    all: ['trends'] as const,
    series: (tag: string, range: string) => ['trends', tag, range] as const,
  },
  alerts: {
    all: ['alerts'] as const,
    list: (q: Query) => ['alerts', 'list', q] as const,
    activeCount: ['alerts', 'active-count'] as const,
    events: (id: number) => ['alerts', 'events', id] as const,
  },
  calibrations: {
    all: ['calibrations'] as const,
    forInstrument: (id: number) => ['calibrations', 'instrument', id] as const,
    forStandard: (id: number) => ['calibrations', 'standard', id] as const,
  },
  referenceStandards: { all: ['reference-standards'] as const },
  maintenance: {
    all: ['maintenance'] as const,
    forInstrument: (id: number) => ['maintenance', 'instrument', id] as const,
  },
  pmPlans: {
    all: ['pm-plans'] as const,
    forInstrument: (id: number) => ['pm-plans', 'instrument', id] as const,
  },
  workOrders: {
    all: ['work-orders'] as const,
    list: (q: Query) => ['work-orders', 'list', q] as const,
    detail: (id: number) => ['work-orders', 'detail', id] as const,
  },
  workRequests: {
    all: ['work-requests'] as const,
    list: (q: Query) => ['work-requests', 'list', q] as const,
  },
  notifications: { all: ['notifications'] as const },
  gateways: {
    all: ['gateways'] as const,
    list: (q: Query) => ['gateways', 'list', q] as const,
  },
  connectors: {
    all: ['connectors'] as const,
    sources: ['connectors', 'sources'] as const,
  },
  users: {
    all: ['users'] as const,
    list: (q: Query) => ['users', 'list', q] as const,
  },
  reports: {
    all: ['reports'] as const,
    report: (name: string, q: Query) => ['reports', name, q] as const,
  },
  ml: {
    all: ['ml'] as const,
    baselines: (tag: string) => ['ml', 'baselines', tag] as const,
    models: (tag: string) => ['ml', 'models', tag] as const,
    groups: ['ml', 'groups'] as const,
    group: (id: number) => ['ml', 'groups', id] as const,
    groupVersions: (id: number) => ['ml', 'groups', id, 'versions'] as const,
  },
  jobs: {
    all: ['jobs'] as const,
    detail: (id: number) => ['jobs', id] as const,
  },
  simulator: { status: ['simulator', 'status'] as const },
  health: ['health'] as const,
  // Issue 18: the first-run guide and the planning view.
  firstRun: ['first-run'] as const,
  planning: { upcoming: (q: Query) => ['planning', 'upcoming', q] as const },
  alarmKpis: (q: Query) => ['alarm-kpis', q] as const,
  audit: { list: (q: Query) => ['audit', 'list', q] as const },
  // Issue 13: signatures, attachments, devices and calibration outcomes.
  signatures: {
    all: ['signatures'] as const,
    forRecord: (type: string, id: number) => ['signatures', type, id] as const,
    policies: ['signatures', 'policies'] as const,
  },
  attachments: {
    all: ['attachments'] as const,
    forRecord: (type: string, id: number) => ['attachments', type, id] as const,
  },
  devices: {
    all: ['devices'] as const,
    list: (q: Query) => ['devices', 'list', q] as const,
    installations: (instrumentId: number) => ['devices', 'installations', instrumentId] as const,
  },
  outcomes: {
    all: ['outcomes'] as const,
    impact: (workOrderId: number) => ['outcomes', 'impact', workOrderId] as const,
    flags: (q: Query) => ['outcomes', 'flags', q] as const,
  },
};
