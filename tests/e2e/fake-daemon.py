#!/usr/bin/python3
"""fake-daemon.py: a daemon that connects to /dev/daedalus-v4l2,
checks the kernel's HELLO, says HELLO with VP9, and then neither reads
nor answers anything.  For the failure-model tests: a daemon
that is alive but silent must not hang any client.  On SIGUSR1 it reads
what is waiting, and says how many messages of which type (how much a
client made wait for a silent daemon)."""
import os
import signal
import struct
import sys

HDR = struct.Struct('<IHHQ')
HELLO = 0x0001
VP9 = struct.unpack('<I', b'VP90')[0]


def main():
    fd = os.open('/dev/daedalus-v4l2', os.O_RDWR)
    msg = os.read(fd, 64 << 20)
    size, mtype, _, _ = HDR.unpack_from(msg)
    major, minor, max_msg = struct.unpack_from('<HHI', msg, HDR.size)
    if mtype != HELLO or size != len(msg) or size != 112:
        sys.exit('fake-daemon: first message is no HELLO')
    codecs = [VP9] + [0] * 15
    hello = HDR.pack(112, HELLO, 0, 0) + struct.pack('<HHII16I5I', major, minor, 0, 1, *codecs, *[0] * 5)
    os.write(fd, hello)
    print('fake-daemon: connected, protocol %d.%d, now silent' % (major, minor), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGUSR1, lambda *_: count(fd, max_msg))
    while True:
        signal.pause()


def count(fd, max_msg):
    """reads every message waiting; prints their number per type"""
    os.set_blocking(fd, False)
    types = {}
    try:
        while True:
            _, mtype, _, _ = HDR.unpack_from(os.read(fd, max(max_msg, 64 << 10)))
            types[mtype] = types.get(mtype, 0) + 1
    except BlockingIOError:
        pass
    os.set_blocking(fd, True)
    print('fake-daemon: %d messages were waiting: %s' % (
        sum(types.values()), ', '.join('type %d: %d' % t for t in sorted(types.items()))), flush=True)


if __name__ == '__main__':
    main()
