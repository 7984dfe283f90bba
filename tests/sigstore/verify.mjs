// verify.mjs LOG CHECKPOINT VERIFIERKEY PROOF.json...
// Checks each inclusion proof (the output of `offswitch audit prove`) against
// the signed checkpoint with @sigstore/verify's transparency-log code, the
// code that verifies Rekor's entries: the checkpoint's Ed25519 signed note,
// then the Merkle inclusion of the record's payload at the checkpoint's size.
// The payload is read from LOG here, from the file format in docs/audit.md,
// not taken from offswitch's output. Prints one TAP line per proof; exits 1
// when any fails.
import { readFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// The package's entry point exports the bundle verifier; its transparency-log
// check lives in its tlog module (verifyTLogInclusion).
const { verifyTLogInclusion } = require('@sigstore/verify/dist/tlog/index.js');

const [logPath, cpPath, keyArg, ...proofs] = process.argv.slice(2);
if (!logPath || !cpPath || !keyArg || proofs.length === 0) {
  console.error('usage: verify.mjs LOG CHECKPOINT VERIFIERKEY PROOF.json...');
  process.exit(2);
}

// Verifier key "<name>+<8 hex id>+<base64(0x01 || 32-byte Ed25519 key)>".
function parseKey(text) {
  // The name has no '+'; the base64 key may.
  const t = text.trim();
  const a = t.indexOf('+');
  const b = t.indexOf('+', a + 1);
  const [name, hex, b64] = [t.slice(0, a), t.slice(a + 1, b), t.slice(b + 1)];
  const raw = Buffer.from(b64, 'base64');
  if (!name || !/^[0-9a-f]{8}$/.test(hex) || raw.length !== 33 || raw[0] !== 1) {
    throw new Error(`not a verifier key: ${text.trim().slice(0, 40)}`);
  }
  const x = raw.subarray(1).toString('base64url');
  return {
    name,
    id: Buffer.from(hex, 'hex'),
    key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }),
  };
}

// Record payloads: magic "OFSAUD01", then u32 length, u64 index, payload, 32-byte chain hash.
function payloads(path) {
  const d = readFileSync(path);
  if (d.subarray(0, 8).toString('latin1') !== 'OFSAUD01') throw new Error(`${path}: bad magic`);
  const out = [];
  for (let off = 8; off + 12 <= d.length; ) {
    const len = d.readUInt32BE(off);
    out.push(d.subarray(off + 12, off + 12 + len));
    off += 12 + len + 32;
  }
  return out;
}

const keyText = keyArg.includes('+') ? keyArg : readFileSync(keyArg, 'utf8');
const vk = parseKey(keyText);
const authority = {
  logID: vk.id,
  baseURL: `https://${vk.name}`,
  publicKey: vk.key,
  validFor: { start: new Date(0), end: new Date(8640000000000000) },
};
const envelope = readFileSync(cpPath, 'utf8');
const leaves = payloads(logPath);
let bad = 0;
proofs.forEach((file, i) => {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const entry = {
    logId: { keyId: vk.id },
    canonicalizedBody: leaves[p.index] ?? Buffer.alloc(0),
    inclusionProof: {
      logIndex: String(p.index),
      treeSize: String(p.tree_size),
      rootHash: Buffer.from(p.root, 'base64'),
      hashes: p.proof.map((h) => Buffer.from(h, 'base64')),
      checkpoint: { envelope },
    },
  };
  try {
    verifyTLogInclusion(entry, [authority]);
    console.log(`ok ${i + 1} - record ${p.index} of ${p.tree_size}`);
  } catch (e) {
    bad++;
    console.log(`not ok ${i + 1} - record ${p.index}: ${e.code ?? ''} ${e.message}`);
  }
});
process.exit(bad ? 1 : 0);
