#!/usr/bin/python3
"""mutate-hdr.py IN.hdr OUT.hdr MODE SEED: a damaged copy of a clip in the
format of v4l2-ctl --stream-to-hdr (ivf2hdr.py), for the hostile-client
bitstreams of tests/e2e/reliability.sh.  The first access unit stays
intact (the decoder must get far enough to meet the damage); from the
second one on, with random.Random(SEED):
  head:N   the first N access units only, undamaged (a short stream);
  loop:N   the clip N times over, undamaged (a long stream: it must
           start with a keyframe);
  flip     about one bit in 64 of each access unit inverted;
  truncate each access unit cut to a random length (1 byte at least);
  random   each access unit's bytes replaced by random ones, same length;
  mixed    each access unit one of intact, flip, truncate and random.
Prints one line: what it did."""
import random
import struct
import sys

FILE_HDR_ID = ord('V') | ord('h') << 8 | ord('d') << 16 | ord('r') << 24


def read_aus(path):
    with open(path, 'rb') as f:
        data = f.read()
    aus, pos = [], 0
    while pos + 8 <= len(data):
        ident, size = struct.unpack_from('>II', data, pos)
        if ident != FILE_HDR_ID or pos + 8 + size > len(data):
            sys.exit('mutate-hdr: %s: bad record at byte %d' % (path, pos))
        aus.append(data[pos + 8:pos + 8 + size])
        pos += 8 + size
    if not aus:
        sys.exit('mutate-hdr: %s: no access unit' % path)
    return aus


def flip(rng, au):
    b = bytearray(au)
    for _ in range(max(1, len(b) * 8 // 64)):
        i = rng.randrange(len(b) * 8)
        b[i // 8] ^= 1 << (i % 8)
    return bytes(b)


def truncate(rng, au):
    return au[:rng.randint(1, max(1, len(au) - 1))]


def garbage(rng, au):
    return rng.randbytes(len(au))


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    src, dst, mode, seed = sys.argv[1:]
    aus = read_aus(src)
    rng = random.Random(int(seed))
    damage = {'flip': flip, 'truncate': truncate, 'random': garbage}
    if mode.startswith('head:'):
        out = aus[:int(mode[5:])]
    elif mode.startswith('loop:'):
        out = aus * int(mode[5:])
    elif mode in damage:
        out = aus[:1] + [damage[mode](rng, au) for au in aus[1:]]
    elif mode == 'mixed':
        kinds = [lambda r, au: au] + list(damage.values())
        out = aus[:1] + [rng.choice(kinds)(rng, au) for au in aus[1:]]
    else:
        sys.exit('mutate-hdr: unknown mode ' + mode)
    with open(dst, 'wb') as f:
        for au in out:
            f.write(struct.pack('>II', FILE_HDR_ID, len(au)))
            f.write(au)
    print('mutate-hdr: %s, seed %s: %d of %d access units' %
          (mode, seed, len(out), len(aus)))


if __name__ == '__main__':
    main()
