import { describe, expect, it } from 'vitest';
import { parseFaultArg, parseSimulateArgs, SIMULATE_HELP } from './cli-options.ts';

describe('parseSimulateArgs', () => {
  it('parses the documented example', () => {
    const opts = parseSimulateArgs([
      '--broker',
      'mqtt://localhost:1883',
      '--rate',
      '2',
      '--tags',
      'PT-101,TT-201',
      '--fault',
      'PT-101:drift:ratePctPerDay=5',
      '--fault',
      'TT-201:stuck',
      '--username',
      'u',
      '--password',
      'p',
      '--duration',
      '60',
    ]);
    expect(opts).toEqual({
      help: false,
      brokerUrl: 'mqtt://localhost:1883',
      username: 'u',
      password: 'p',
      rateMultiplier: 2,
      tags: ['PT-101', 'TT-201'],
      faults: [
        { tag: 'PT-101', spec: { kind: 'drift', ratePctPerDay: 5 } },
        { tag: 'TT-201', spec: { kind: 'stuck' } },
      ],
      durationSeconds: 60,
      topicPrefix: 'plant/readings',
    });
  });

  it('has defaults, and takes configured ones from the caller', () => {
    expect(parseSimulateArgs([])).toMatchObject({
      brokerUrl: 'mqtt://localhost:1883',
      rateMultiplier: 1,
      tags: null,
      faults: [],
      durationSeconds: null,
      help: false,
    });
    const opts = parseSimulateArgs([], {
      brokerUrl: 'mqtt://broker:1884',
      username: 'cfg',
      topicPrefix: 'x/y',
    });
    expect(opts).toMatchObject({ brokerUrl: 'mqtt://broker:1884', username: 'cfg', topicPrefix: 'x/y' });
  });

  it('accepts --flag=value, host:port brokers, a seed and a topic prefix', () => {
    const opts = parseSimulateArgs([
      '--broker=10.0.0.5:1883',
      '--rate=0.5',
      '--seed',
      '-7',
      '--topic-prefix',
      'site/a/',
    ]);
    expect(opts).toMatchObject({
      brokerUrl: 'mqtt://10.0.0.5:1883',
      rateMultiplier: 0.5,
      seed: -7,
      topicPrefix: 'site/a',
    });
  });

  it('recognises --help', () => {
    expect(parseSimulateArgs(['--help']).help).toBe(true);
    expect(parseSimulateArgs(['-h']).help).toBe(true);
    expect(SIMULATE_HELP).toContain('--fault');
    expect(SIMULATE_HELP).toContain('--rate');
  });

  it.each([
    [['--rate', '0'], /^--rate: /],
    [['--rate', 'fast'], /^--rate: .*fast/],
    [['--rate'], /^--rate: expects a value/],
    [['--broker', '--rate', '2'], /^--broker: expects a value/],
    [['--broker', 'http://x:1'], /^--broker: unsupported scheme/],
    [['--duration', '-1'], /^--duration: /],
    [['--tags', ','], /^--tags: /],
    [['--seed', '1.5'], /^--seed: /],
    [['--topic-prefix', 'a/#'], /^--topic-prefix: /],
    [['--verbose'], /^--verbose: unknown option/],
    [['extra'], /^extra: unexpected argument/],
    [['--fault', 'PT-101'], /^--fault: expected TAG:KIND/],
    [['--fault', 'PT-101:melt'], /^--fault: .*kind/],
    [['--fault', 'PT-101:drift'], /^--fault: .*ratePctPerDay/],
    [['--fault', 'PT-101:drift:ratePctPerDay'], /^--fault: expected param=value/],
    [['--fault', 'PT-101:drift:ratePctPerDay=abc'], /^--fault: .*ratePctPerDay.*number/],
    [['--tags', 'PT-101', '--fault', 'TT-201:stuck'], /^--fault: tag TT-201 is not in --tags/],
  ])('rejects %j naming the flag', (argv, message) => {
    expect(() => parseSimulateArgs(argv)).toThrow(message);
  });
});

describe('parseFaultArg', () => {
  it('parses several parameters, separated by commas or colons', () => {
    expect(parseFaultArg('FT-301:spike:magnitudePct=40,intervalSeconds=60')).toEqual({
      tag: 'FT-301',
      spec: { kind: 'spike', magnitudePct: 40, intervalSeconds: 60 },
    });
    expect(parseFaultArg('LT-401:out_of_range:direction=low:durationSeconds=30')).toEqual({
      tag: 'LT-401',
      spec: { kind: 'out_of_range', direction: 'low', durationSeconds: 30 },
    });
  });
});
