// Tests of startIpfs: a real Kubo daemon (scripts/install-kubo.sh), started and stopped for real.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DevnetError, startDevnet, startIpfs } from '@modelproof/devnet';

/** True when something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Binds port on 127.0.0.1 and releases it: succeeds only if the port is free. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function rpc(apiUrl: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${apiUrl}/api/v0/${path}`, { method: 'POST', ...init });
}

describe('startIpfs', () => {
  it('runs a Kubo daemon on 127.0.0.1 that stores and serves bytes, and stop() leaves nothing behind', async () => {
    const node = await startIpfs();
    const { pid, apiPort, repoDir } = node;
    try {
      expect(node.apiUrl).toBe(`http://127.0.0.1:${apiPort}`);
      expect(node.gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(node.version).toBe('0.43.0');
      expect(processAlive(pid)).toBe(true);
      expect(existsSync(join(repoDir, 'config'))).toBe(true);

      const version = (await (await rpc(node.apiUrl, 'version')).json()) as { Version: string };
      expect(version.Version).toBe('0.43.0');

      // Nothing of the public network: no bootstrap peers, no routing, offline by default.
      const config = (await (await rpc(node.apiUrl, 'config/show')).json()) as {
        Bootstrap: unknown[];
        Routing: { Type: string };
        Discovery: { MDNS: { Enabled: boolean } };
        Addresses: { API: string; Gateway: string; Swarm: string[] };
      };
      expect(config.Bootstrap).toEqual([]);
      expect(config.Routing.Type).toBe('none');
      expect(config.Discovery.MDNS.Enabled).toBe(false);
      for (const addr of [config.Addresses.API, config.Addresses.Gateway, ...config.Addresses.Swarm]) expect(addr).toMatch(/^\/ip4\/127\.0\.0\.1\//);
      const peers = (await (await rpc(node.apiUrl, 'swarm/peers')).json()) as { Message?: string; Peers?: unknown[] | null };
      expect(peers.Peers ?? []).toEqual([]);

      // add + cat round trip through the RPC API.
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array([1, 2, 3, 250])]));
      const added = (await (await rpc(node.apiUrl, 'add?cid-version=1&raw-leaves=true', { body: form })).json()) as { Hash: string };
      expect(added.Hash).toMatch(/^bafk/);
      const back = new Uint8Array(await (await rpc(node.apiUrl, `cat?arg=${added.Hash}`)).arrayBuffer());
      expect(Array.from(back)).toEqual([1, 2, 3, 250]);
    } finally {
      await node.stop();
    }
    expect(processAlive(pid)).toBe(false);
    expect(await accepts(apiPort)).toBe(false);
    expect(await canBind(apiPort)).toBe(true);
    expect(existsSync(repoDir)).toBe(false);
    await node.stop(); // idempotent
  });

  it('keeps a given repository and reuses it on the next start, on a requested port', async () => {
    const repoDir = await mkdtemp(join(tmpdir(), 'modelproof-ipfs-test-'));
    try {
      const probe = await startIpfs({ repoDir });
      const port = probe.apiPort;
      const form = new FormData();
      form.append('file', new Blob([new TextEncoder().encode('kept')]));
      const { Hash } = (await (await rpc(probe.apiUrl, 'add?cid-version=1', { body: form })).json()) as { Hash: string };
      await probe.stop();
      expect(existsSync(join(repoDir, 'config'))).toBe(true);

      const again = await startIpfs({ repoDir, apiPort: port });
      try {
        expect(again.apiPort).toBe(port);
        expect(await (await rpc(again.apiUrl, `cat?arg=${Hash}`)).text()).toBe('kept');
      } finally {
        await again.stop();
      }
    } finally {
      await rm(repoDir, { recursive: true, force: true });
    }
  });

  it('reports a taken API port as PORT_IN_USE', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const error = await startIpfs({ apiPort: port }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DevnetError);
      expect((error as DevnetError).code).toBe('PORT_IN_USE');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('says how to install Kubo when the binary is missing', async () => {
    const error = await startIpfs({ binary: join(tmpdir(), 'no-such-dir', 'ipfs') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevnetError);
    expect((error as DevnetError).code).toBe('IPFS_NOT_FOUND');
    expect((error as Error).message).toContain('scripts/install-kubo.sh');

    const saved = { bin: process.env['MODELPROOF_BIN_DIR'], path: process.env['PATH'] };
    process.env['MODELPROOF_BIN_DIR'] = join(tmpdir(), 'no-such-dir');
    process.env['PATH'] = join(tmpdir(), 'no-such-dir');
    try {
      const missing = await startIpfs().catch((e: unknown) => e);
      expect((missing as DevnetError).code).toBe('IPFS_NOT_FOUND');
      expect((missing as Error).message).toContain('scripts/install-kubo.sh');
    } finally {
      process.env['MODELPROOF_BIN_DIR'] = saved.bin;
      if (saved.bin === undefined) delete process.env['MODELPROOF_BIN_DIR'];
      process.env['PATH'] = saved.path;
    }
  });

  it('rejects bad options', async () => {
    for (const options of [{ apiPort: -1 }, { apiPort: 70000 }, { gatewayPort: 1.5 }, { startTimeoutMs: 0 }]) {
      const error = await startIpfs(options).catch((e: unknown) => e);
      expect((error as DevnetError).code).toBe('INVALID_OPTION');
    }
  });

  it('starts alongside the chain with startDevnet({ ipfs: true }) and stops with it', async () => {
    const devnet = await startDevnet({ ipfs: true });
    const ipfs = devnet.ipfs;
    expect(ipfs).toBeDefined();
    const { pid, apiPort } = ipfs!;
    try {
      expect(devnet.endpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
      expect((await rpc(ipfs!.apiUrl, 'version')).ok).toBe(true);
    } finally {
      await devnet.stop();
    }
    expect(processAlive(pid)).toBe(false);
    expect(await canBind(apiPort)).toBe(true);
  });
});
