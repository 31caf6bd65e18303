/**
 * The devnet as a dApp developer uses it: plain @polkadot/api (no Modelproof SDK, no nonce
 * manager) against the real runtime. `signAndSend` reads the nonce from its `system.account`
 * subscription, so the devnet must have announced the new state by the time it says `InBlock`;
 * otherwise every transaction sent right after the previous one's `InBlock` is refused as stale.
 */
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';

import { type BlockMode, type Devnet, startDevnet } from '@modelproof/devnet';

/** Sequential transactions per block mode (1,000 in all). */
const COUNT: Record<BlockMode, number> = { instant: 600, manual: 400 };

interface Run {
  sent: number;
  failures: string[];
  nonceBefore: number;
  nonceAfter: number;
}

/**
 * `count` remarks from `signer`, one after the other, each awaited to InBlock — every fourth to
 * Finalized — before the next is signed; in manual mode a block is built once it is in the pool.
 */
async function sequential(devnet: Devnet, mode: BlockMode, signer: KeyringPair, count: number): Promise<Run> {
  const api = await ApiPromise.create({ provider: new WsProvider(devnet.endpoint), noInitWarn: true });
  try {
    const nonceBefore = (await api.query.system.account(signer.address)).nonce.toNumber();
    const failures: string[] = [];
    for (let i = 0; i < count; i++) {
      const untilFinalized = i % 4 === 3;
      try {
        await new Promise<void>((resolve, reject) => {
          api.tx.system
            .remark(`${mode} ${i}`)
            .signAndSend(signer, ({ status, dispatchError }) => {
              if (dispatchError) reject(new Error(dispatchError.toString()));
              else if (untilFinalized ? status.isFinalized : status.isInBlock) resolve();
            })
            .then(async () => {
              if (mode === 'manual') await devnet.newBlock();
            }, reject);
        });
      } catch (error) {
        failures.push(`#${i}: ${(error as Error).message}`);
      }
    }
    const nonceAfter = (await api.query.system.account(signer.address)).nonce.toNumber();
    return { sent: count, failures, nonceBefore, nonceAfter };
  } finally {
    await api.disconnect();
  }
}

test('1,000 sequential signAndSend calls, awaited to InBlock and to Finalized, in instant and manual block modes: no stale nonce', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const [instant, manual] = await Promise.all([startDevnet({ blockMode: 'instant' }), startDevnet({ blockMode: 'manual' })]);
  try {
    const runs = await Promise.all([
      sequential(instant, 'instant', keyring.addFromUri('//Alice'), COUNT.instant),
      sequential(manual, 'manual', keyring.addFromUri('//Bob'), COUNT.manual),
    ]);
    for (const run of runs) {
      expect(run.failures).toEqual([]);
      expect(run.nonceAfter - run.nonceBefore).toBe(run.sent);
    }
  } finally {
    await Promise.all([instant.stop(), manual.stop()]);
  }
}, 900_000);

test('a transaction the pool refuses is an error with its code; one whose call fails is InBlock with its dispatch error', async () => {
  const devnet = await startDevnet();
  const api = await ApiPromise.create({ provider: new WsProvider(devnet.endpoint), noInitWarn: true });
  try {
    const charlie = new Keyring({ type: 'sr25519' }).addFromUri('//Charlie');
    // nonce 0 again after it was used: refused by the pool before any block (1010: stale)
    await new Promise<void>((resolve, reject) => api.tx.system.remark('first').signAndSend(charlie, ({ status }) => status.isInBlock && resolve()).catch(reject));
    await expect(api.tx.system.remark('again').signAndSend(charlie, { nonce: 0 })).rejects.toThrow(/1010.*stale/);
    // a call that fails when it runs (more than Charlie has): still InBlock, with its dispatch error
    const dispatchError = await new Promise<string>((resolve, reject) => {
      api.tx.balances
        .transferKeepAlive(new Keyring({ type: 'sr25519' }).addFromUri('//Dave').address, 10n ** 30n)
        .signAndSend(charlie, ({ status, dispatchError: error }) => {
          if (status.isInBlock) resolve(error ? (error.isModule ? api.registry.findMetaError(error.asModule).name : error.type) : 'none');
        })
        .catch(reject);
    });
    expect(dispatchError).not.toBe('none');
  } finally {
    await api.disconnect();
    await devnet.stop();
  }
});
