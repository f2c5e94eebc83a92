// SPDX-License-Identifier: GPL-2.0
/*
 * daedalus-v4l2: the kernel->daemon message queue.
 *
 * Messages are built by the V4L2 side (vb2 callbacks, ioctls, release)
 * and queued on the connected daemon; the chardev's read() hands them
 * out one at a time.  Every stream message remembers on which daemon
 * connection its stream was opened, so a message for a stream opened on
 * a daemon that went away never reaches its successor.
 */

#include <linux/slab.h>
#include <linux/string.h>

#include "daedalus.h"

/**
 * daedalus_msg_alloc_tail() - a message whose last bytes the caller writes
 * @type: message type
 * @stream_id: its stream, 0 for none
 * @size: the whole message, header included
 * @tail: the last @tail bytes of it (a DECODE's bitstream), left
 *	uninitialised: the caller writes every one of them before the message
 *	is queued (the daemon reads all @size bytes)
 *
 * Charged to the memory cgroup of the task that sends the message: the
 * client's for what its ioctls send (QBUF, STREAMON, ...), the daemon's
 * for what its messages release (access units held behind a drain).
 *
 * Context: process.
 * Return: the message, the rest of it zeroed and its header filled; NULL
 * when out of memory.
 */
struct daedalus_qmsg *daedalus_msg_alloc_tail(u16 type, u64 stream_id,
					      size_t size, size_t tail)
{
	struct daedalus_qmsg *qm;
	struct daedalus_msg_hdr *hdr;

	if (WARN_ON(size < sizeof(*hdr) || size > DAEDALUS_MAX_MSG_SIZE ||
		    tail > size - sizeof(*hdr)))
		return NULL;

	qm = kvmalloc(struct_size(qm, data, size), GFP_KERNEL_ACCOUNT);
	if (!qm)
		return NULL;
	/* no zeroing of what is about to be overwritten */
	memset(qm, 0, struct_size(qm, data, size - tail));

	qm->stream_id = stream_id;
	qm->size = size;
	hdr = (struct daedalus_msg_hdr *)qm->data;
	hdr->size = size;
	hdr->type = type;
	hdr->stream_id = stream_id;
	return qm;
}

/**
 * daedalus_msg_alloc() - a message, zeroed but for its header
 * @type: message type
 * @stream_id: its stream, 0 for none
 * @size: the whole message, header included
 *
 * Context: process.  See daedalus_msg_alloc_tail().
 * Return: the message, or NULL when out of memory.
 */
struct daedalus_qmsg *daedalus_msg_alloc(u16 type, u64 stream_id, size_t size)
{
	return daedalus_msg_alloc_tail(type, stream_id, size, 0);
}

void daedalus_msg_free(struct daedalus_qmsg *qm)
{
	kvfree(qm);
}

static u16 qmsg_type(const struct daedalus_qmsg *qm)
{
	return ((const struct daedalus_msg_hdr *)qm->data)->type;
}

/*
 * Whether queueing @new makes the unread @old of the same stream (the
 * caller, queue_locked(), compares the ids) pointless: the daemon would
 * end up where @new alone takes it.  A later FLUSH replaces an earlier one
 * (the latest epoch is the one that counts); a CAPTURE_RESET replaces the
 * announcements and resets before it (all of older generations); a
 * STREAM_CLOSE replaces every control message of its stream but its OPEN
 * and an earlier CLOSE (see queue_locked() for the OPEN).  DECODEs are
 * never dropped here (they own OUTPUT buffers; FLUSH and STREAM_CLOSE
 * purge them first, daedalus_purge_stream()).
 */
static bool supersedes(const struct daedalus_qmsg *new,
		       const struct daedalus_qmsg *old)
{
	u16 type = qmsg_type(old);

	if (type == DAEDALUS_MSG_DECODE)
		return false;
	switch (qmsg_type(new)) {
	case DAEDALUS_MSG_FLUSH:
		return type == DAEDALUS_MSG_FLUSH;
	case DAEDALUS_MSG_CAPTURE_RESET:
		return type == DAEDALUS_MSG_CAPTURE_RESET ||
		       type == DAEDALUS_MSG_CAPTURE_BUFFER;
	case DAEDALUS_MSG_STREAM_CLOSE:
		/*
		 * not an earlier CLOSE: a file keeps its stream id across
		 * the streams set up on it, and the daemon must close the
		 * one it knows (OPEN, CLOSE, OPEN, CLOSE)
		 */
		return type != DAEDALUS_MSG_STREAM_OPEN &&
		       type != DAEDALUS_MSG_STREAM_CLOSE;
	default:
		return false;
	}
}

/*
 * Queue @qm, dropping the unread messages it supersedes, so that what a
 * client can make wait for a stopped daemon stays bounded: per stream, its
 * OUTPUT buffers' DECODEs, one announcement per CAPTURE buffer, one
 * FLUSH, one CAPTURE_RESET, a DRAIN; a STREAM_CLOSE of a stream whose
 * STREAM_OPEN is still unread takes both away.  Returns whether @qm was
 * queued; if not, it was freed.
 */
static bool queue_locked(struct daedalus_daemon *d, struct daedalus_qmsg *qm)
{
	struct daedalus_qmsg *old, *tmp, *open = NULL;
	bool decodes = false;

	switch (qmsg_type(qm)) {
	case DAEDALUS_MSG_FLUSH:
	case DAEDALUS_MSG_CAPTURE_RESET:
	case DAEDALUS_MSG_STREAM_CLOSE:
		break;
	default:
		/* supersedes nothing: no walk of the queue (every DECODE) */
		list_add_tail(&qm->node, &d->msgs);
		return true;
	}
	list_for_each_entry_safe(old, tmp, &d->msgs, node) {
		if (old->stream_id != qm->stream_id)
			continue;
		if (supersedes(qm, old)) {
			list_del(&old->node);
			/* control messages are small: kfree(), fine here */
			daedalus_msg_free(old);
		} else if (qmsg_type(old) == DAEDALUS_MSG_STREAM_OPEN) {
			open = old;
		} else if (qmsg_type(old) == DAEDALUS_MSG_DECODE) {
			decodes = true;
		}
	}
	if (qmsg_type(qm) == DAEDALUS_MSG_STREAM_CLOSE && open && !decodes) {
		/* the daemon never heard of the stream */
		list_del(&open->node);
		daedalus_msg_free(open);
		daedalus_msg_free(qm);
		return false;
	}
	list_add_tail(&qm->node, &d->msgs);
	return true;
}

/**
 * daedalus_send_keep() - queue a message for the daemon, or give it back
 * @dev: the device
 * @qm: the message; queued (or, superseding an unread one, freed) on
 *	success, still the caller's on failure
 * @conn_seq: the connection the stream lives on, 0 for any ready daemon
 *
 * For callers holding a spinlock: a large message is vmalloc'ed, and
 * vfree() may sleep, so they free a failed one after unlocking.  Only
 * small control messages are freed in here (see queue_locked()).
 *
 * Context: any; takes daedalus_dev.lock.
 * Return: 0, or -ENOTCONN when no (or another) daemon is connected.
 */
int daedalus_send_keep(struct daedalus_dev *dev, struct daedalus_qmsg *qm,
		       u64 conn_seq)
{
	struct daedalus_daemon *d;
	int ret = -ENOTCONN;

	spin_lock(&dev->lock);
	d = dev->daemon;
	if (d && d->ready && (!conn_seq || d->seq == conn_seq)) {
		if (queue_locked(d, qm))
			wake_up_interruptible(&d->wq);
		ret = 0;
	}
	spin_unlock(&dev->lock);
	return ret;
}

/**
 * daedalus_queued() - messages waiting for the daemon to read them
 * @dev: the device
 *
 * Context: any; takes daedalus_dev.lock.
 * Return: their number, 0 without a daemon.
 */
unsigned int daedalus_queued(struct daedalus_dev *dev)
{
	struct daedalus_qmsg *qm;
	unsigned int n = 0;

	spin_lock(&dev->lock);
	if (dev->daemon)
		list_for_each_entry(qm, &dev->daemon->msgs, node)
			n++;
	spin_unlock(&dev->lock);
	return n;
}

/**
 * daedalus_send() - queue a message for the daemon
 * @dev: the device
 * @qm: the message; consumed in every case
 * @conn_seq: the connection the stream lives on, 0 for any ready daemon
 *
 * Context: any process context; takes daedalus_dev.lock.  Under a
 * spinlock only for small (kmalloc'ed) messages: see daedalus_send_keep().
 * Return: 0, or -ENOTCONN when no (or another) daemon is connected.
 */
int daedalus_send(struct daedalus_dev *dev, struct daedalus_qmsg *qm,
		  u64 conn_seq)
{
	int ret = daedalus_send_keep(dev, qm, conn_seq);

	if (ret)
		daedalus_msg_free(qm);
	return ret;
}

/**
 * daedalus_purge_stream() - drop unread DECODE messages of a stream
 * @dev: the device
 * @stream_id: the stream
 *
 * Used before FLUSH and STREAM_CLOSE: the daemon would only drop them.
 */
void daedalus_purge_stream(struct daedalus_dev *dev, u64 stream_id)
{
	struct daedalus_qmsg *qm, *tmp;
	LIST_HEAD(dead);

	daedalus_take_stream_decodes(dev, stream_id, &dead);
	list_for_each_entry_safe(qm, tmp, &dead, node)
		daedalus_msg_free(qm);
}

/**
 * daedalus_take_stream_decodes() - take unread DECODE messages of a stream
 * @dev: the device
 * @stream_id: the stream
 * @dead: list the messages are moved to; the caller frees them, after
 *	unlocking if it holds a spinlock (vfree() may sleep)
 *
 * Context: any; takes daedalus_dev.lock.
 */
void daedalus_take_stream_decodes(struct daedalus_dev *dev, u64 stream_id,
				  struct list_head *dead)
{
	struct daedalus_qmsg *qm, *tmp;

	spin_lock(&dev->lock);
	if (dev->daemon) {
		list_for_each_entry_safe(qm, tmp, &dev->daemon->msgs, node) {
			struct daedalus_msg_hdr *hdr = (void *)qm->data;

			if (qm->stream_id == stream_id &&
			    hdr->type == DAEDALUS_MSG_DECODE)
				list_move_tail(&qm->node, dead);
		}
	}
	spin_unlock(&dev->lock);
}

/**
 * daedalus_daemon_ready() - is a daemon connected and past HELLO?
 * @dev: the device
 * @conn_seq: if not NULL, receives the connection number
 */
bool daedalus_daemon_ready(struct daedalus_dev *dev, u64 *conn_seq)
{
	bool ready;

	spin_lock(&dev->lock);
	ready = dev->daemon && dev->daemon->ready;
	if (ready && conn_seq)
		*conn_seq = dev->daemon->seq;
	spin_unlock(&dev->lock);
	return ready;
}

/**
 * daedalus_daemon_has_codec() - may the node offer this coded format?
 * @dev: the device
 * @fourcc: coded fourcc
 *
 * Without a daemon every format the module knows is offered, so that
 * clients probing the node early (udev, plugin scanners) see a decoder;
 * streaming then fails with a clear message until a daemon connects.
 */
bool daedalus_daemon_has_codec(struct daedalus_dev *dev, u32 fourcc)
{
	bool ret = true;
	u32 i;

	spin_lock(&dev->lock);
	if (dev->daemon && dev->daemon->ready) {
		ret = false;
		for (i = 0; i < dev->daemon->num_codecs; i++)
			if (dev->daemon->codecs[i] == fourcc)
				ret = true;
	}
	spin_unlock(&dev->lock);
	return ret;
}
