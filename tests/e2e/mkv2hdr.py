#!/usr/bin/python3
"""mkv2hdr.py IN OUT.hdr: the access units of the first video stream of IN
(any container FFmpeg reads: Matroska for H.264, HEVC, MPEG-2, MPEG-4
Part 2), one per record, in the format of v4l2-ctl --stream-to-hdr (see
ivf2hdr.py), as a V4L2 client queues them: H.264 and HEVC in Annex B with
the parameter sets in-band (FFmpeg's mp4toannexb, as its V4L2 decoders
do).  FFmpeg writes the packets' bytes back to back (-f data) and their
sizes (-f framecrc), in the same order; this cuts the one by the other."""
import struct
import subprocess
import sys

FILE_HDR_ID = ord('V') | ord('h') << 8 | ord('d') << 16 | ord('r') << 24
BSF = {'h264': 'h264_mp4toannexb', 'hevc': 'hevc_mp4toannexb'}


def ffmpeg(src, bsf, fmt):
    cmd = ['ffmpeg', '-nostdin', '-hide_banner', '-loglevel', 'error',
           '-i', src, '-map', '0:v:0', '-c', 'copy']
    if bsf:
        cmd += ['-bsf:v', bsf]
    return subprocess.run(cmd + ['-f', fmt, '-'], check=True,
                          stdout=subprocess.PIPE).stdout


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, dst = sys.argv[1:]
    codec = subprocess.run(
        ['ffprobe', '-v', 'error', '-select_streams', 'v:0', '-show_entries',
         'stream=codec_name', '-of', 'csv=p=0', src], check=True,
        stdout=subprocess.PIPE, text=True).stdout.strip()
    bsf = BSF.get(codec)
    data = ffmpeg(src, bsf, 'data')
    sizes = [int(line.split(b',')[4]) for line in
             ffmpeg(src, bsf, 'framecrc').splitlines()
             if line and not line.startswith(b'#')]
    if sum(sizes) != len(data):
        sys.exit('mkv2hdr: %d bytes of packets, %d bytes of data' %
                 (sum(sizes), len(data)))
    pos = 0
    with open(dst, 'wb') as out:
        for size in sizes:
            out.write(struct.pack('>II', FILE_HDR_ID, size))
            out.write(data[pos:pos + size])
            pos += size
    print('mkv2hdr: %s, %d access units' % (codec, len(sizes)))


if __name__ == '__main__':
    main()
