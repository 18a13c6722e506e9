// Every client route in one typed object: `path` is the router pattern, `href` builds a link.

export const paths = {
  login: { path: '/login', href: () => '/login' },
  dashboard: { path: '/', href: () => '/' },
  instruments: { path: '/instruments', href: () => '/instruments' },
  instrument: { path: '/instruments/:id', href: (id: number) => `/instruments/${id}` },
  trend: {
    path: '/trends/:tag',
    href: (tag: string, range?: string) =>
      `/trends/${encodeURIComponent(tag)}${range ? `?range=${encodeURIComponent(range)}` : ''}`,
  },
  alerts: { path: '/alerts', href: () => '/alerts' },
  alarmKpis: { path: '/alarm-kpis', href: () => '/alarm-kpis' },
  workOrders: { path: '/work-orders', href: () => '/work-orders' },
  workOrder: { path: '/work-orders/:id', href: (id: number) => `/work-orders/${id}` },
  requests: { path: '/requests', href: () => '/requests' },
  planning: { path: '/planning', href: () => '/planning' },
  offlineQueue: { path: '/offline-queue', href: () => '/offline-queue' },
  reports: {
    path: '/reports',
    href: (report?: string) => (report ? `/reports?report=${report}` : '/reports'),
  },
  referenceStandards: { path: '/reference-standards', href: () => '/reference-standards' },
  referenceStandard: { path: '/reference-standards/:id', href: (id: number) => `/reference-standards/${id}` },
  devices: { path: '/devices', href: () => '/devices' },
  account: { path: '/account', href: () => '/account' },
  users: { path: '/admin/users', href: () => '/admin/users' },
  /** The Import page (issue 18, parts 1-3). */
  imports: { path: '/admin/imports', href: () => '/admin/imports' },
  gateways: { path: '/admin/gateways', href: () => '/admin/gateways' },
  connectors: { path: '/admin/connectors', href: () => '/admin/connectors' },
  processUnits: { path: '/admin/process-units', href: () => '/admin/process-units' },
  ml: {
    path: '/admin/ml',
    href: (tag?: string) => (tag ? `/admin/ml?tag=${encodeURIComponent(tag)}` : '/admin/ml'),
  },
  simulator: { path: '/admin/simulator', href: () => '/admin/simulator' },
  audit: { path: '/admin/audit', href: () => '/admin/audit' },
  procedures: { path: '/admin/calibration-procedures', href: () => '/admin/calibration-procedures' },
} as const;
