// An OPC UA server for tests and benches (node-opcua's OPCUAServer) on a free port, with Double
// variables under ns=1;s=<name> that the test sets, with a status code when it wants bad data. It
// can be shut down and started again on the same port (a server that restarts and forgets sessions).
// It logs in OPERATOR; `secure: true` offers only signed (Sign, SignAndEncrypt) Basic256Sha256
// endpoints and no anonymous login. Its PKI folder is a temporary directory, and it trusts every
// client certificate it is shown (as an admin who trusts the CMMS's certificate would).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
// Packages node-opcua-server itself depends on (its own exports are only the server).
import type { UAVariable } from 'node-opcua-address-space';
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import {
  DataType,
  MessageSecurityMode,
  SecurityPolicy,
  type StatusCode,
  StatusCodes,
} from 'node-opcua-client';
import { OPCUAServer } from 'node-opcua-server';
import { freePort } from '../../src/simulator/test-broker.ts';

export interface OpcuaPeer {
  port: number;
  url: string;
  /** Sets a variable (created on first use); `status` defaults to Good. */
  set(name: string, value: number, status?: StatusCode): void;
  /** Sessions logged in so far: the channel's security and the user (null: anonymous). */
  sessions: { securityMode: string; securityPolicy: string; user: string | null }[];
  /** Sessions created, logged in or not (a client's attempts). */
  sessionsCreated: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export const OPERATOR = { username: 'operator', password: 'Kitwe-opc-1' };

export async function startOpcuaPeer(names: string[], opts: { secure?: boolean } = {}): Promise<OpcuaPeer> {
  const port = await freePort();
  const pki = mkdtempSync(path.join(tmpdir(), 'cmms-opcua-peer-'));
  const values = new Map<string, { value: number; status: StatusCode }>();
  for (const n of names) values.set(n, { value: 0, status: StatusCodes.Good });
  let server: OPCUAServer | null = null;
  let variables = new Map<string, UAVariable>();

  const apply = (name: string) => {
    const v = variables.get(name);
    const current = values.get(name);
    if (v && current)
      v.setValueFromSource({ dataType: DataType.Double, value: current.value }, current.status);
  };

  const peer: OpcuaPeer = {
    port,
    url: `opc.tcp://127.0.0.1:${port}/UA/test`,
    sessions: [],
    sessionsCreated: 0,
    set(name, value, status = StatusCodes.Good) {
      values.set(name, { value, status });
      apply(name);
    },
    async start() {
      const s = new OPCUAServer({
        port,
        hostname: '127.0.0.1',
        resourcePath: '/UA/test',
        serverCertificateManager: new OPCUACertificateManager({
          rootFolder: path.join(pki, 'server'),
          automaticallyAcceptUnknownCertificate: true,
        }),
        userManager: {
          isValidUser: (u: string, p: string) => u === OPERATOR.username && p === OPERATOR.password,
        },
        allowAnonymous: !opts.secure,
        ...(opts.secure
          ? {
              securityModes: [MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt],
              securityPolicies: [SecurityPolicy.Basic256Sha256],
            }
          : {}),
      });
      s.on('create_session', () => {
        peer.sessionsCreated++;
      });
      s.on('session_activated', (session, token) => {
        const channel = session.channel;
        peer.sessions.push({
          securityMode: MessageSecurityMode[channel?.securityMode ?? MessageSecurityMode.Invalid],
          securityPolicy: channel?.securityPolicy ?? '',
          user: token && 'userName' in token && typeof token.userName === 'string' ? token.userName : null,
        });
      });
      await s.initialize();
      const addressSpace = s.engine.addressSpace;
      if (!addressSpace) throw new Error('the OPC UA test server has no address space');
      const ns = addressSpace.getOwnNamespace();
      const plant = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: 'Plant' });
      variables = new Map();
      for (const name of values.keys()) {
        const v = ns.addVariable({
          componentOf: plant,
          nodeId: `s=${name}`,
          browseName: name,
          dataType: 'Double',
        });
        variables.set(name, v);
        apply(name);
      }
      await s.start();
      server = s;
    },
    async stop() {
      const s = server;
      server = null;
      variables = new Map();
      if (s) await s.shutdown(0);
    },
    async close() {
      await peer.stop();
      rmSync(pki, { recursive: true, force: true });
    },
  };
  await peer.start();
  return peer;
}
