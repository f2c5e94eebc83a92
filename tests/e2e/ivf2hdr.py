#!/usr/bin/python3
"""ivf2hdr.py IN.ivf OUT.hdr: rewrite an IVF file (one VP8/VP9/AV1 frame per
IVF frame) in the format of v4l2-ctl --stream-to-hdr, which
v4l2-compliance --stream-from-hdr reads back: per buffer the fourcc 'Vhdr'
as a big-endian u32, then for its one plane the payload size as a
big-endian u32 followed by the payload."""
import struct
import sys

FILE_HDR_ID = ord('V') | ord('h') << 8 | ord('d') << 16 | ord('r') << 24


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], 'rb') as f:
        data = f.read()
    if data[:4] != b'DKIF':
        sys.exit('ivf2hdr: not an IVF file: ' + sys.argv[1])
    hdr_len = struct.unpack_from('<H', data, 6)[0]
    pos, n = hdr_len, 0
    with open(sys.argv[2], 'wb') as out:
        while pos + 12 <= len(data):
            size = struct.unpack_from('<I', data, pos)[0]
            frame = data[pos + 12:pos + 12 + size]
            if len(frame) != size:
                sys.exit('ivf2hdr: truncated frame %d' % n)
            out.write(struct.pack('>II', FILE_HDR_ID, size))
            out.write(frame)
            pos += 12 + size
            n += 1
    print('ivf2hdr: %d frames' % n)


if __name__ == '__main__':
    main()
