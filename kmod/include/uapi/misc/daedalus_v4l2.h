/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * daedalus-v4l2 wire protocol between daedalus_v4l2.ko and its userspace
 * daemon, spoken over the misc character device /dev/daedalus-v4l2.
 *
 * Transport:
 *  - read(2) returns exactly one kernel->daemon message per call.  The
 *    buffer must be at least hello.max_msg_size bytes (told in the kernel's
 *    HELLO); a smaller buffer gets -EINVAL and the message stays queued.
 *    O_NONBLOCK read of an empty queue gets -EAGAIN; poll(2) reports POLLIN.
 *  - write(2) takes exactly one daemon->kernel message per call; the return
 *    value is the number of bytes consumed or a negative errno when the
 *    message was rejected (nothing in the kernel was changed then).
 *  - DAEDALUS_IOC_EXPBUF hands the daemon a dma-buf fd for one plane of a
 *    CAPTURE buffer announced by DAEDALUS_MSG_CAPTURE_BUFFER.
 *
 * Every message starts with struct daedalus_msg_hdr.  hdr.size is the size of
 * the whole message, payload included; a message only ever grows by
 * appending fields, and a receiver accepts a size at least as large as the
 * version it knows.  All reserved fields and hdr.flags must be zero.
 * All structures are naturally aligned, with explicit padding, and a multiple
 * of 8 bytes long.
 *
 * Version history:
 *  1.0  first version: HELLO, STREAM_OPEN/CLOSE, DECODE/CONSUMED, FORMAT,
 *       CAPTURE_BUFFER/CAPTURE_RESET, FRAME, DRAIN/DRAIN_DONE, FLUSH,
 *       STREAM_ERROR, DAEDALUS_IOC_EXPBUF.
 *  1.1  the daemon may say HELLO again at any time to replace its codec
 *       list (a 1.0 kernel answers -EALREADY).
 *
 * docs/protocol.md in the daedalus-v4l2 tree describes the message flow.
 */
#ifndef _UAPI_MISC_DAEDALUS_V4L2_H
#define _UAPI_MISC_DAEDALUS_V4L2_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define DAEDALUS_PROTO_MAJOR		1
#define DAEDALUS_PROTO_MINOR		4

#define DAEDALUS_DEVICE_NAME		"daedalus-v4l2"

#define DAEDALUS_MAX_CODECS		16
#define DAEDALUS_MAX_PLANES		4
/*
 * The kernel keeps what it needs of the last DAEDALUS_COOKIE_WINDOW access
 * units of a stream it sent (timestamp, flags): a FRAME for an older
 * cookie is refused (ENOENT).  The daemon keeps fewer access units in
 * flight (those whose CONSUMED it sent and whose frame may still come).
 */
#define DAEDALUS_COOKIE_WINDOW		128

/* kernel -> daemon */
#define DAEDALUS_MSG_HELLO		0x0001	/* both directions */
#define DAEDALUS_MSG_STREAM_OPEN	0x0002
#define DAEDALUS_MSG_STREAM_CLOSE	0x0003
#define DAEDALUS_MSG_DECODE		0x0004
#define DAEDALUS_MSG_DRAIN		0x0005
#define DAEDALUS_MSG_FLUSH		0x0006
#define DAEDALUS_MSG_CAPTURE_BUFFER	0x0007
#define DAEDALUS_MSG_CAPTURE_RESET	0x0008
/* daemon -> kernel */
#define DAEDALUS_MSG_CONSUMED		0x0101
#define DAEDALUS_MSG_FORMAT		0x0102
#define DAEDALUS_MSG_FRAME		0x0103
#define DAEDALUS_MSG_DRAIN_DONE		0x0104
#define DAEDALUS_MSG_STREAM_ERROR	0x0105

/**
 * struct daedalus_msg_hdr - common header of every message
 * @size: size of the whole message in bytes, payload included
 * @type: one of DAEDALUS_MSG_*
 * @flags: must be 0
 * @stream_id: stream the message is about; 0 for HELLO.  Stream ids are
 *	allocated by the kernel, start at 1 and are never reused while the
 *	module is loaded.
 */
struct daedalus_msg_hdr {
	__u32 size;
	__u16 type;
	__u16 flags;
	__u64 stream_id;
};

/**
 * struct daedalus_msg_hello - version and capability exchange
 * @hdr: type DAEDALUS_MSG_HELLO, stream_id 0
 * @major: DAEDALUS_PROTO_MAJOR of the sender; majors must match
 * @minor: DAEDALUS_PROTO_MINOR of the sender
 * @max_msg_size: kernel->daemon: largest message read(2) can return, the
 *	read buffer size the daemon needs.  daemon->kernel: must be 0.
 * @num_codecs: daemon->kernel: number of valid entries in @codecs.
 *	kernel->daemon: codecs the kernel node can expose.
 * @codecs: V4L2 fourccs of coded formats (V4L2_PIX_FMT_VP9, ...)
 * @reserved: must be 0
 *
 * The kernel queues its HELLO as the first message after open(2).  The
 * daemon answers with its own HELLO before anything else; until then no
 * stream is offered to it.  A daemon HELLO with another major fails with
 * -EPROTO.  From 1.1 on, a later daemon HELLO replaces the codec list
 * (streams already open are not affected).
 */
struct daedalus_msg_hello {
	struct daedalus_msg_hdr hdr;
	__u16 major;
	__u16 minor;
	__u32 max_msg_size;
	__u32 num_codecs;
	__u32 codecs[DAEDALUS_MAX_CODECS];
	__u32 reserved[5];
};

/**
 * struct daedalus_msg_stream_open - a client started a stream
 * @hdr: type DAEDALUS_MSG_STREAM_OPEN
 * @codec: coded V4L2 fourcc
 * @width: coded width the client set on OUTPUT (a hint, may be 0)
 * @height: coded height the client set on OUTPUT (a hint, may be 0)
 * @capture_fourcc: raw V4L2 fourcc the client prefers on CAPTURE
 * @colorspace: OUTPUT colorimetry, enum v4l2_colorspace
 * @xfer_func: enum v4l2_xfer_func
 * @ycbcr_enc: enum v4l2_ycbcr_encoding
 * @quantization: enum v4l2_quantization
 * @epoch: the stream's flush epoch (since 1.2; 0 before): its DECODEs
 *	carry it, and the daemon's FORMAT, FRAME and DRAIN_DONE must too.  A
 *	stream opened again (after a failure, or S_FMT(OUTPUT) of a new
 *	stream) starts at a newer epoch than its old pipeline's messages.
 * @reserved: 0
 */
struct daedalus_msg_stream_open {
	struct daedalus_msg_hdr hdr;
	__u32 codec;
	__u32 width;
	__u32 height;
	__u32 capture_fourcc;
	__u32 colorspace;
	__u32 xfer_func;
	__u32 ycbcr_enc;
	__u32 quantization;
	__u32 epoch;
	__u32 reserved[3];
};

/**
 * struct daedalus_msg_stream_close - the client closed the stream
 * @hdr: type DAEDALUS_MSG_STREAM_CLOSE
 * @reserved: 0
 *
 * Nothing the daemon sends for this stream afterwards is accepted.
 */
struct daedalus_msg_stream_close {
	struct daedalus_msg_hdr hdr;
	__u64 reserved;
};

#define DAEDALUS_DECODE_FLAG_KEYFRAME	(1U << 0)

/**
 * struct daedalus_msg_decode - one access unit to decode
 * @hdr: type DAEDALUS_MSG_DECODE; size is sizeof(this) + @bytesused
 * @cookie: identity of the access unit, unique within the stream,
 *	increasing; every FRAME names the cookie of the AU that carried it
 * @timestamp: the client's OUTPUT timestamp in ns, for information; the
 *	kernel keeps its own copy by cookie
 * @epoch: flush epoch the AU belongs to
 * @flags: DAEDALUS_DECODE_FLAG_*
 * @bytesused: size of the bitstream that follows this structure
 * @reserved: 0
 *
 * The bitstream follows the structure directly.  The daemon answers every
 * DECODE with exactly one CONSUMED once the AU has entered the decoder.
 */
struct daedalus_msg_decode {
	struct daedalus_msg_hdr hdr;
	__u64 cookie;
	__u64 timestamp;
	__u32 epoch;
	__u32 flags;
	__u32 bytesused;
	__u32 reserved;
};

/**
 * struct daedalus_msg_epoch - DRAIN, DRAIN_DONE and FLUSH
 * @hdr: type DAEDALUS_MSG_DRAIN, DAEDALUS_MSG_DRAIN_DONE or DAEDALUS_MSG_FLUSH
 * @epoch: DRAIN/DRAIN_DONE: the epoch being drained.  FLUSH: the new epoch;
 *	everything of older epochs is to be dropped, and whatever the daemon
 *	still sends for an older epoch is ignored by the kernel.
 * @reserved: 0
 *
 * DRAIN: output every frame of the AUs sent so far, then answer DRAIN_DONE.
 * After DRAIN_DONE the daemon accepts new DECODEs of the same epoch, as the
 * continuation of the stream (its decoder keeps or regains its references).
 */
struct daedalus_msg_epoch {
	struct daedalus_msg_hdr hdr;
	__u32 epoch;
	__u32 reserved;
};

/**
 * struct daedalus_color_plane - where one colour plane lives in a buffer
 * @mem_plane: index of the memory plane (dma-buf) holding it
 * @offset: byte offset of the plane's first line in that memory plane
 * @stride: bytes per line
 * @reserved: 0
 */
struct daedalus_color_plane {
	__u32 mem_plane;
	__u32 offset;
	__u32 stride;
	__u32 reserved;
};

/*
 * The buffer's memory is the node's own (V4L2_MEMORY_MMAP): it stays the
 * memory of this index until a CAPTURE_RESET, whatever the client queues.
 * A decoder may keep reading a frame it wrote there (a reference) after the
 * FRAME that gave it to the client.  Without it (DMABUF, USERPTR), the
 * client may put the memory behind another index, or reuse it, once the
 * buffer is dequeued.
 */
#define DAEDALUS_CAPTURE_FLAG_KERNEL_MEMORY	(1U << 0)

/**
 * struct daedalus_msg_capture_buffer - a CAPTURE buffer the daemon may fill
 * @hdr: type DAEDALUS_MSG_CAPTURE_BUFFER
 * @index: vb2 index of the buffer
 * @generation: capture generation the buffer belongs to; see CAPTURE_RESET
 * @pixelformat: raw V4L2 fourcc of the buffer
 * @width: frame-buffer width in pixels
 * @height: frame-buffer height in lines
 * @num_mem_planes: number of memory planes (dma-bufs)
 * @mem_plane_length: size of each memory plane in bytes
 * @num_color_planes: number of valid entries in @color_planes
 * @mem_id: names the memory behind @index; it changes whenever the client
 *	queues the buffer with other memory (DMABUF, USERPTR): dma-bufs
 *	exported for another @mem_id are not this buffer's (since 1.3)
 * @color_planes: layout of each colour plane
 * @flags: DAEDALUS_CAPTURE_FLAG_* (since 1.4; before, 0)
 * @reserved: 0
 *
 * Announced whenever the client queues the buffer while CAPTURE streams.
 * It belongs to the daemon until it is named in a FRAME or a CAPTURE_RESET
 * takes it back.  A memory plane may be longer than the layout needs: room
 * a decoder that writes whole macroblock rows can use (see
 * docs/protocol.md, *Zero-copy*).
 */
struct daedalus_msg_capture_buffer {
	struct daedalus_msg_hdr hdr;
	__u32 index;
	__u32 generation;
	__u32 pixelformat;
	__u32 width;
	__u32 height;
	__u32 num_mem_planes;
	__u32 mem_plane_length[DAEDALUS_MAX_PLANES];
	__u32 num_color_planes;
	__u32 mem_id;
	struct daedalus_color_plane color_planes[DAEDALUS_MAX_PLANES];
	__u32 flags;
	__u32 reserved[3];
};

/**
 * struct daedalus_msg_capture_reset - all announced buffers are taken back
 * @hdr: type DAEDALUS_MSG_CAPTURE_RESET
 * @generation: the new capture generation; buffers and dma-bufs of older
 *	generations must be forgotten
 * @reserved: 0
 */
struct daedalus_msg_capture_reset {
	struct daedalus_msg_hdr hdr;
	__u32 generation;
	__u32 reserved;
};

/**
 * struct daedalus_msg_consumed - the AU of @cookie entered the decoder
 * @hdr: type DAEDALUS_MSG_CONSUMED
 * @cookie: cookie of the DECODE
 * @epoch: epoch of the DECODE
 * @status: 0, or a negative errno: the OUTPUT buffer is returned with
 *	V4L2_BUF_FLAG_ERROR
 */
struct daedalus_msg_consumed {
	struct daedalus_msg_hdr hdr;
	__u64 cookie;
	__u32 epoch;
	__s32 status;
};

/**
 * struct daedalus_msg_format - the decoder's output format is known
 * @hdr: type DAEDALUS_MSG_FORMAT
 * @epoch: current epoch
 * @pixelformat: the stream's own raw V4L2 fourcc, which the node offers
 *	first: what the decoder gives, else the nearest raw format of the
 *	node with the same chroma subsampling and at most @bit_depth bits
 *	(docs/protocol.md lists them; before protocol 1.3, NV12 only)
 * @width: coded (frame-buffer) width
 * @height: coded (frame-buffer) height
 * @visible_left: visible rectangle inside the coded frame
 * @visible_top: visible rectangle inside the coded frame
 * @visible_width: visible rectangle inside the coded frame
 * @visible_height: visible rectangle inside the coded frame
 * @min_buffers: CAPTURE buffers the decoder needs (references + 1), >= 1
 * @colorspace: enum v4l2_colorspace, 0 = keep the OUTPUT's
 * @xfer_func: enum v4l2_xfer_func
 * @ycbcr_enc: enum v4l2_ycbcr_encoding
 * @quantization: enum v4l2_quantization
 * @bit_depth: luma bit depth of the decoded stream (before 1.3: 8)
 * @reserved: 0
 *
 * Sent before the first FRAME and again whenever any of it changes.  The
 * kernel raises V4L2_EVENT_SOURCE_CHANGE when the coded size, visible
 * rectangle, minimum buffer count or bit depth changed (or on the first).
 */
struct daedalus_msg_format {
	struct daedalus_msg_hdr hdr;
	__u32 epoch;
	__u32 pixelformat;
	__u32 width;
	__u32 height;
	__u32 visible_left;
	__u32 visible_top;
	__u32 visible_width;
	__u32 visible_height;
	__u32 min_buffers;
	__u32 colorspace;
	__u32 xfer_func;
	__u32 ycbcr_enc;
	__u32 quantization;
	__u32 bit_depth;
	__u32 reserved[4];
};

#define DAEDALUS_FRAME_FLAG_ERROR	(1U << 0)	/* decoded with errors */
#define DAEDALUS_FRAME_FLAG_KEYFRAME	(1U << 1)

/**
 * struct daedalus_msg_frame - a decoded frame was written into a buffer
 * @hdr: type DAEDALUS_MSG_FRAME
 * @cookie: cookie of the access unit that carried the frame; its
 *	timestamp, timecode and field go onto the CAPTURE buffer
 * @epoch: epoch of that access unit
 * @index: CAPTURE buffer index, as announced
 * @generation: generation of the announcement
 * @flags: DAEDALUS_FRAME_FLAG_*
 * @num_planes: number of entries in @bytesused, equal to the buffer's
 *	num_mem_planes
 * @bytesused: bytes written to each memory plane, each at most its length
 *	and not 0, unless DAEDALUS_FRAME_FLAG_ERROR is set: a frame that could
 *	not be written gives its buffer back with V4L2_BUF_FLAG_ERROR
 * @reserved: 0
 *
 * A FRAME of an older epoch is dropped and its buffer announced again.
 */
struct daedalus_msg_frame {
	struct daedalus_msg_hdr hdr;
	__u64 cookie;
	__u32 epoch;
	__u32 index;
	__u32 generation;
	__u32 flags;
	__u32 num_planes;
	__u32 bytesused[DAEDALUS_MAX_PLANES];
	__u32 reserved[3];
};

/**
 * struct daedalus_msg_stream_error - the daemon cannot go on with a stream
 * @hdr: type DAEDALUS_MSG_STREAM_ERROR
 * @error: negative errno describing the failure
 * @reserved: 0
 *
 * The kernel fails the stream: pending buffers come back with
 * V4L2_BUF_FLAG_ERROR and further buffer operations give -EIO.
 */
struct daedalus_msg_stream_error {
	struct daedalus_msg_hdr hdr;
	__s32 error;
	__u32 reserved;
};

/**
 * struct daedalus_expbuf - DAEDALUS_IOC_EXPBUF argument
 * @stream_id: stream of the buffer
 * @index: CAPTURE buffer index, as announced
 * @generation: generation of the announcement
 * @plane: memory plane
 * @flags: O_CLOEXEC and/or O_ACCMODE flags for the new fd
 * @fd: out: the dma-buf file descriptor
 * @reserved: 0
 */
struct daedalus_expbuf {
	__u64 stream_id;
	__u32 index;
	__u32 generation;
	__u32 plane;
	__u32 flags;
	__s32 fd;
	__u32 reserved;
};

#define DAEDALUS_IOC_MAGIC	0xDA
#define DAEDALUS_IOC_EXPBUF	_IOWR(DAEDALUS_IOC_MAGIC, 0x01, struct daedalus_expbuf)

#endif /* _UAPI_MISC_DAEDALUS_V4L2_H */
