import { Secret } from '../src/secret.js';
import { createLogger, isSensitiveKey, REDACTED, redact, redactUrl } from '../src/log/index.js';

function capture(level?: Parameters<typeof createLogger>[0] extends infer O ? (O extends { level?: infer L } ? L : never) : never) {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (s: string) => lines.push(s) }, now: () => new Date('2026-11-21T10:00:00.000Z') });
  const records = (): Record<string, unknown>[] => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, records };
}

const hex32 = `0x${'5e'.repeat(32)}`;
const hex64 = `0x${'c0'.repeat(64)}`;

describe('JSON lines', () => {
  test('one object per line: level, time, msg, then fields; below-level lines dropped', () => {
    const { logger, lines, records } = capture('info');
    logger.debug('hidden');
    logger.info('worker ready', { address: '5Grw', blockNumber: 12, big: 10n ** 20n });
    logger.error('failed', { err: Object.assign(new Error('boom', { cause: new Error('root') }), { code: 'Ipfs.Timeout' }) });
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    const [ready, failed] = records();
    expect(ready).toEqual({ level: 'info', time: '2026-11-21T10:00:00.000Z', msg: 'worker ready', address: '5Grw', blockNumber: 12, big: '100000000000000000000' });
    expect(Object.keys(ready!).slice(0, 3)).toEqual(['level', 'time', 'msg']);
    expect(failed).toMatchObject({ level: 'error', msg: 'failed', err: { name: 'Error', message: 'boom', code: 'Ipfs.Timeout', cause: { message: 'root' } } });
    expect(logger.isLevelEnabled('debug')).toBe(false);
    expect(logger.isLevelEnabled('warn')).toBe(true);
  });

  test('child loggers add their fields; fields cannot overwrite level/time/msg', () => {
    const { logger, records } = capture('trace');
    logger.child({ component: 'listener' }).child({ block: 7 }).trace('event', { msg: 'spoof', level: 'fatal' });
    expect(records()).toEqual([
      { level: 'trace', time: '2026-11-21T10:00:00.000Z', msg: 'event', component: 'listener', block: 7, _msg: 'spoof', _level: 'fatal' },
    ]);
  });

  test('silent logs nothing', () => {
    const { logger, lines } = capture('silent');
    logger.fatal('x');
    expect(lines).toEqual([]);
  });
});

describe('redaction', () => {
  test('values under secret-named keys are masked, whatever their type or depth', () => {
    const { logger, lines, records } = capture('info');
    const secretBytes = new Uint8Array(32).fill(0x77);
    logger.info('keys loaded', {
      passphrase: 'hunter2-passphrase',
      secretKey: secretBytes,
      seed: hex32,
      mnemonic: 'abandon ability able about above absent absorb abstract absurd abuse access accident',
      privateKey: hex64,
      contentKey: new Uint8Array(32).fill(0x99),
      nested: { content_key: hex32, deeper: [{ 'x-api-key': 'k-123456' }, { password: 'pw-7' }] },
      keystore: { passphraseFile: '/run/secrets/pass' },
      config: { keystore: { passphrase: new Secret('hunter2-passphrase') } },
      address: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
      txHash: hex32.replace(/5e/g, 'aa'),
    });
    const text = lines.join('');
    for (const secret of ['hunter2', '5e5e5e', 'abandon', 'c0c0c0', 'k-123456', 'pw-7', '/run/secrets/pass']) expect(text).not.toContain(secret);
    const [record] = records();
    expect(record).toMatchObject({
      passphrase: REDACTED,
      secretKey: REDACTED,
      seed: REDACTED,
      mnemonic: REDACTED,
      privateKey: REDACTED,
      contentKey: REDACTED,
      nested: { content_key: REDACTED, deeper: [{ 'x-api-key': REDACTED }, { password: REDACTED }] },
      keystore: { passphraseFile: REDACTED },
      config: { keystore: { passphrase: REDACTED } },
      // public values pass
      address: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
      txHash: `0x${'aa'.repeat(32)}`,
    });
  });

  test('byte arrays are never written out, Secrets never revealed, URL passwords masked', () => {
    expect(redact({ blob: new Uint8Array(64).fill(1), pass: new Secret('s3cr3t'), buf: Buffer.from('abc') })).toEqual({
      blob: '[Uint8Array 64 bytes]',
      pass: REDACTED,
      buf: '[Buffer 3 bytes]',
    });
    expect(redact({ redis: 'redis://worker:s3cr3t@redis.internal:6379/0' })).toEqual({ redis: 'redis://worker:REDACTED@redis.internal:6379/0' });
    expect(redactUrl('ws://127.0.0.1:9944')).toBe('ws://127.0.0.1:9944');
  });

  test('errors keep code and message; their secret-named fields are masked; cycles and depth are bounded', () => {
    const err = Object.assign(new Error('Keys.WrongPassphrase: the passphrase does not unlock signer.json'), { code: 'Keys.WrongPassphrase', passphrase: 'leak' });
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic['self'] = cyclic;
    let deep: Record<string, unknown> = {};
    const top = deep;
    for (let i = 0; i < 20; i++) deep = (deep['next'] = {}) as Record<string, unknown>;
    const out = redact({ err, cyclic, top }) as Record<string, Record<string, unknown>>;
    expect(out['err']).toMatchObject({ code: 'Keys.WrongPassphrase', passphrase: REDACTED });
    expect(out['cyclic']).toEqual({ name: 'a', self: '[Circular]' });
    expect(JSON.stringify(out['top'])).toContain('[Truncated]');
  });

  test.each([
    ['passphrase', true],
    ['keystorePassphrase', true],
    ['secretKey', true],
    ['secret_key', true],
    ['seed', true],
    ['mnemonic', true],
    ['privateKey', true],
    ['private-key', true],
    ['contentKey', true],
    ['CONTENT_KEY', true],
    ['authorization', true],
    ['address', false],
    ['encryptionKey', false],
    ['publicKey', false],
    ['txHash', false],
    ['jobId', false],
  ])('isSensitiveKey(%s) = %s', (key, sensitive) => {
    expect(isSensitiveKey(key)).toBe(sensitive);
  });
});
