#!/usr/bin/env python3
"""audit_ref.py - an independent reference for offswitch audit logs, written
from RFC 9162 and the C2SP signed-note / tlog-checkpoint specs with only the
Python standard library and `cryptography` (for Ed25519). It shares no code
with lib/audit: the tests use it to check the C implementation's trees,
proofs and checkpoints.

  audit_ref.py mth-vectors              MTH of the RFC 6962 test leaves, 0..8
  audit_ref.py root LOG                 size and base64 root of a log file
  audit_ref.py inclusion LOG PROOF.json verify an inclusion proof against LOG
  audit_ref.py consistency PROOF.json   verify a consistency proof
  audit_ref.py checkpoint CP VKEY [LOG] verify a signed checkpoint (and that
                                        LOG's first N records give its root)
Exit 0 when the check holds, 1 (with a message) when it does not.
"""
import base64
import hashlib
import json
import struct
import sys

# The leaves of the certificate-transparency project's Merkle tree tests.
RFC6962_LEAVES = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
                  bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70))]


def sha(b):
    return hashlib.sha256(b).digest()


def leaf_hash(b):
    return sha(b"\x00" + b)


def node_hash(l, r):
    return sha(b"\x01" + l + r)


def mth(leaves):
    """RFC 9162 2.1.1, recursively, over leaf hashes."""
    n = len(leaves)
    if n == 0:
        return sha(b"")
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def read_log(path):
    """Leaf hashes of a log file, checking its framing and chain."""
    data = open(path, "rb").read()
    if data[:8] != b"OFSAUD01":
        raise SystemExit("%s: no magic" % path)
    off, chain, leaves = 8, b"\x00" * 32, []
    while off + 12 <= len(data):
        ln, idx = struct.unpack(">IQ", data[off:off + 12])
        if off + 44 + ln > len(data):
            break
        payload = data[off + 12:off + 12 + ln]
        h = leaf_hash(payload)
        chain = sha(chain + h)
        if idx != len(leaves) or chain != data[off + 12 + ln:off + 44 + ln]:
            raise SystemExit("%s: record %d is bad" % (path, len(leaves)))
        leaves.append(h)
        off += 44 + ln
    return leaves


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, proof, first_root, second_root):
    """RFC 9162 2.1.4.2."""
    if first == second:
        return not proof and first_root == second_root
    if first == 0 or first > second or not proof:
        return False
    if first & (first - 1) == 0:
        proof = [first_root] + proof
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


def parse_vkey(text):
    name, hexid, key = text.strip().split("+", 2)  # base64 may hold "+"
    raw = base64.b64decode(key, validate=True)
    if raw[0] != 1 or len(raw) != 33:
        raise SystemExit("verifier key: not Ed25519")
    kid = sha(name.encode() + b"\n" + raw)[:4]
    if kid.hex() != hexid:
        raise SystemExit("verifier key: id %s does not match %s" % (hexid, kid.hex()))
    return name, kid, raw[1:]


def verify_checkpoint(cp, vkey):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    name, kid, pub = parse_vkey(vkey)
    text, sep, sigs = cp.partition(b"\n\n")
    if not sep:
        raise SystemExit("checkpoint: no blank line")
    note = text + b"\n"
    ok = False
    for line in sigs.decode().splitlines():
        if not line.startswith("\u2014 "):
            raise SystemExit("checkpoint: bad signature line")
        lname, b64 = line[2:].rsplit(" ", 1)
        sig = base64.b64decode(b64, validate=True)
        if lname == name and sig[:4] == kid:
            Ed25519PublicKey.from_public_bytes(pub).verify(sig[4:], note)  # raises when bad
            ok = True
    if not ok:
        raise SystemExit("checkpoint: no signature by %s" % name)
    lines = note.decode().split("\n")
    return lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)


def main(argv):
    cmd = argv[1]
    if cmd == "mth-vectors":
        hs = [leaf_hash(x) for x in RFC6962_LEAVES]
        for n in range(0, 9):
            print(n, mth(hs[:n]).hex())
    elif cmd == "root":
        leaves = read_log(argv[2])
        print(len(leaves), base64.b64encode(mth(leaves)).decode())
    elif cmd == "inclusion":
        leaves = read_log(argv[2])
        p = json.load(open(argv[3]))
        proof = [base64.b64decode(x) for x in p["proof"]]
        n, i = p["tree_size"], p["index"]
        root = mth(leaves[:n])
        if base64.b64decode(p["root"]) != root or base64.b64decode(p["leaf_hash"]) != leaves[i]:
            raise SystemExit("inclusion: root or leaf differs from the log's")
        if not verify_inclusion(i, n, leaves[i], proof, root):
            raise SystemExit("inclusion: proof does not verify")
        print("inclusion ok")
    elif cmd == "consistency":
        p = json.load(open(argv[2]))
        proof = [base64.b64decode(x) for x in p["proof"]]
        if not verify_consistency(p["old_size"], p["new_size"], proof, base64.b64decode(p["old_root"]),
                                  base64.b64decode(p["new_root"])):
            raise SystemExit("consistency: proof does not verify")
        if len(argv) > 3:
            leaves = read_log(argv[3])
            if mth(leaves[:p["new_size"]]) != base64.b64decode(p["new_root"]):
                raise SystemExit("consistency: new root is not the log's")
        print("consistency ok")
    elif cmd == "checkpoint":
        origin, size, root = verify_checkpoint(open(argv[2], "rb").read(), open(argv[3]).read())
        if len(argv) > 4:
            leaves = read_log(argv[4])
            if len(leaves) < size or mth(leaves[:size]) != root:
                raise SystemExit("checkpoint: the log's first %d records do not give its root" % size)
        print("checkpoint ok", origin, size)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
