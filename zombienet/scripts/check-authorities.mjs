/**
 * zombienet js-script: the chain's consensus authorities are exactly the named validators, and
 * every one of them authors blocks.
 *
 *   <node>: js-script ./scripts/check-authorities.mjs with "alice,bob,charlie" return is 3 within 300 seconds
 *
 * Connects to `<node>`'s RPC and checks
 * - `Aura.Authorities` holds exactly the sr25519 keys of //Alice, //Bob, … (the names given), and
 * - the GRANDPA authority set (runtime API `GrandpaApi_grandpa_authorities`, or the pallet's
 *   storage) holds exactly their ed25519 keys, each with weight 1,
 *
 * i.e. what zombienet wrote into the plain chain spec (for charlie, keys the `local` preset does not
 * have). Then it follows new best blocks and maps each block's Aura pre-runtime slot to its author
 * (`authorities[slot % n]`) until every validator has authored one; returns how many distinct
 * authors it saw (the zndsl line compares that with the number of validators).
 *
 * Runs inside the zombienet process, which provides `globalThis.zombie` (`connect`, `Keyring`);
 * it imports nothing else, so it does not depend on the workspace's packages.
 */

const titleCase = (name) => name.charAt(0).toUpperCase() + name.slice(1);
const hex = (bytes) => `0x${Buffer.from(bytes).toString('hex')}`;
const sameSet = (a, b) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

export async function run(nodeName, networkInfo, args) {
  const { zombie } = globalThis;
  const names = (args ?? []).map((a) => a.trim()).filter(Boolean);
  if (names.length === 0) throw new Error('check-authorities: give the validators\' names, e.g. with "alice,bob"');
  const node = networkInfo.nodesByName[nodeName];
  const say = (line) => console.log(`\t[check-authorities@${nodeName}] ${line}`);

  const sr = new zombie.Keyring({ type: 'sr25519' });
  const ed = new zombie.Keyring({ type: 'ed25519' });
  const expectedAura = names.map((n) => hex(sr.createFromUri(`//${titleCase(n)}`).publicKey));
  const expectedGrandpa = names.map((n) => hex(ed.createFromUri(`//${titleCase(n)}`).publicKey));

  const api = await zombie.connect(node.wsUri, node.userDefinedTypes);
  let unsubscribe;
  try {
    const aura = (await api.query.aura.authorities()).map((key) => key.toHex());
    if (!sameSet(aura, expectedAura)) {
      throw new Error(`Aura authorities are ${aura.join(', ')}; expected those of ${names.join(', ')}: ${expectedAura.join(', ')}`);
    }
    const grandpaSet = api.call.grandpaApi?.grandpaAuthorities
      ? await api.call.grandpaApi.grandpaAuthorities()
      : await api.query.grandpa.authorities();
    const grandpa = grandpaSet.map(([key, weight]) => ({ key: key.toHex(), weight: weight.toNumber() }));
    if (!sameSet(grandpa.map((g) => g.key), expectedGrandpa) || grandpa.some((g) => g.weight !== 1)) {
      throw new Error(`GRANDPA authorities are ${JSON.stringify(grandpa)}; expected ${expectedGrandpa.join(', ')} with weight 1`);
    }
    say(`Aura and GRANDPA authorities are ${names.join(', ')}`);

    const byKey = new Map(expectedAura.map((key, i) => [key, names[i]]));
    const authors = new Set();
    await new Promise((resolve, reject) => {
      api.rpc.chain
        .subscribeNewHeads((header) => {
          try {
            const preRuntime = header.digest.logs.find((log) => log.isPreRuntime && log.asPreRuntime[0].toString() === 'aura');
            if (!preRuntime) throw new Error(`block #${header.number} has no Aura pre-runtime digest`);
            const slot = api.createType('u64', preRuntime.asPreRuntime[1]).toBigInt();
            const author = byKey.get(aura[Number(slot % BigInt(aura.length))]);
            if (!authors.has(author)) say(`block #${header.number} (slot ${slot}) authored by ${author}`);
            authors.add(author);
            if (authors.size === names.length) resolve();
          } catch (error) {
            reject(error);
          }
        })
        .then((unsub) => {
          unsubscribe = unsub;
        }, reject);
    });
    say(`every validator authored a block: ${[...authors].join(', ')}`);
    return authors.size;
  } finally {
    unsubscribe?.();
    await api.disconnect();
  }
}
