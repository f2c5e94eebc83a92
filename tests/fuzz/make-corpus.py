#!/usr/bin/python3
"""make-corpus.py: writes tests/fuzz/corpus, the seeds of fuzz-messages.c:
one good message of each kind the target reads, behind its selector byte
(0: a message to the daemon, 1: to the kernel, 2: a FORMAT for the
kernel's layout, 3: a raw format, size and FRAME).  Run again after a
message changes; the files are small on purpose."""
import os
import struct

HDR = struct.Struct('<IHHQ')
YU12 = struct.unpack('<I', b'YU12')[0]
VP90 = struct.unpack('<I', b'VP90')[0]
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus')


def msg(mtype, stream, body):
    return HDR.pack(HDR.size + len(body), mtype, 0, stream) + body


def write(name, sel, data):
    with open(os.path.join(here, name), 'wb') as f:
        f.write(bytes([sel]) + data)


os.makedirs(here, exist_ok=True)
write('hello', 0, msg(1, 0, struct.pack('<HHII16I5I', 1, 3, 1 << 24, 1, VP90, *[0] * 15, *[0] * 5)))
write('stream-open', 0, msg(2, 7, struct.pack('<9I3I', VP90, 320, 180, 0, 0, 0, 0, 0, 1, 0, 0, 0)))
write('decode', 0, msg(4, 7, struct.pack('<QQIIII', 1, 0, 1, 1, 16, 0) + bytes(range(16))))
planes = struct.pack('<4I', 320 * 180 * 3 // 2, 0, 0, 0)
colour = struct.pack('<12I', 0, 0, 320, 0, 0, 320 * 180, 160, 0, 0, 320 * 180 * 5 // 4, 160, 0)
write('capture-buffer', 0, msg(7, 7, struct.pack('<6I', 0, 1, YU12, 320, 180, 1) + planes +
                               struct.pack('<II', 3, 0) + colour + struct.pack('<4I', 0, 0, 0, 0) +
                               struct.pack('<4I', 0, 0, 0, 0)))
write('consumed', 1, msg(0x101, 7, struct.pack('<QIi', 1, 1, 0)))
fmt = struct.pack('<14I4I', 1, YU12, 320, 180, 0, 0, 320, 180, 4, 0, 0, 0, 0, 8, 0, 0, 0, 0)
write('format', 1, msg(0x102, 7, fmt))
frame = struct.pack('<QIIIII4I3I', 1, 1, 0, 1, 0, 1, 320 * 180 * 3 // 2, 0, 0, 0, 0, 0, 0)
write('frame', 1, msg(0x103, 7, frame))
write('drain-done', 1, msg(0x104, 7, struct.pack('<II', 1, 0)))
write('stream-error', 1, msg(0x105, 7, struct.pack('<iI', -5, 0)))
write('kernel-format', 2, msg(0x102, 7, fmt) + struct.pack('<4I', 0, 0, 0, 0))
write('kernel-layout', 3, struct.pack('<7I', 0, 320, 180, 0, 0, 0, 0) + msg(0x103, 7, frame))
