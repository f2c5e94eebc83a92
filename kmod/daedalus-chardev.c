// SPDX-License-Identifier: GPL-2.0
/*
 * daedalus-v4l2: the daemon's character device, /dev/daedalus-v4l2.
 *
 * One daemon at a time.  read() hands out one queued message per call,
 * write() takes one message per call and validates every field before it
 * reaches the decoder state machine, ioctl() exports CAPTURE planes as
 * dma-bufs.  Nothing the daemon writes is trusted.
 */

#include <linux/dma-buf.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/videodev2.h>

#include "daedalus.h"

/* largest daemon->kernel message we read; bigger ones are not ours */
#define DAEDALUS_MAX_IN_MSG	512

static_assert(sizeof(struct daedalus_msg_hdr) == 16);
static_assert(sizeof(struct daedalus_msg_hello) == 112);
static_assert(sizeof(struct daedalus_msg_stream_open) == 64);
static_assert(sizeof(struct daedalus_msg_stream_close) == 24);
static_assert(sizeof(struct daedalus_msg_decode) == 48);
static_assert(sizeof(struct daedalus_msg_epoch) == 24);
static_assert(sizeof(struct daedalus_msg_capture_buffer) == 144);
static_assert(sizeof(struct daedalus_msg_capture_reset) == 24);
static_assert(sizeof(struct daedalus_msg_consumed) == 32);
static_assert(sizeof(struct daedalus_msg_format) == 88);
static_assert(sizeof(struct daedalus_msg_frame) == 72);
static_assert(sizeof(struct daedalus_msg_stream_error) == 24);
static_assert(sizeof(struct daedalus_expbuf) == 32);

static struct daedalus_dev *misc_to_dev(struct file *file)
{
	struct miscdevice *misc = file->private_data;

	return container_of(misc, struct daedalus_dev, misc);
}

static int daedalus_cdev_open(struct inode *inode, struct file *file)
{
	struct daedalus_dev *dev = misc_to_dev(file);
	struct daedalus_msg_hello *hello;
	struct daedalus_daemon *d;
	struct daedalus_qmsg *qm;
	unsigned int i;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	qm = daedalus_msg_alloc(DAEDALUS_MSG_HELLO, 0, sizeof(*hello));
	if (!d || !qm) {
		kfree(d);
		if (qm)
			daedalus_msg_free(qm);
		return -ENOMEM;
	}

	hello = (struct daedalus_msg_hello *)qm->data;
	hello->major = DAEDALUS_PROTO_MAJOR;
	hello->minor = DAEDALUS_PROTO_MINOR;
	hello->max_msg_size = DAEDALUS_MAX_MSG_SIZE;
	for (i = 0; i < daedalus_num_coded_fmts; i++)
		hello->codecs[i] = daedalus_coded_fmts[i].fourcc;
	hello->num_codecs = daedalus_num_coded_fmts;

	d->dev = dev;
	INIT_LIST_HEAD(&d->msgs);
	init_waitqueue_head(&d->wq);
	list_add_tail(&qm->node, &d->msgs);

	spin_lock(&dev->lock);
	if (dev->daemon) {
		spin_unlock(&dev->lock);
		daedalus_msg_free(qm);
		kfree(d);
		return -EBUSY;
	}
	d->seq = ++dev->daemon_seq;
	dev->daemon = d;
	spin_unlock(&dev->lock);

	file->private_data = d;
	stream_open(inode, file);
	return 0;
}

static int daedalus_cdev_release(struct inode *inode, struct file *file)
{
	struct daedalus_daemon *d = file->private_data;
	struct daedalus_dev *dev = d->dev;
	struct daedalus_qmsg *qm, *tmp;
	struct daedalus_ctx *ctx;

	spin_lock(&dev->lock);
	dev->daemon = NULL;
	spin_unlock(&dev->lock);

	list_for_each_entry_safe(qm, tmp, &d->msgs, node)
		daedalus_msg_free(qm);

	/* every stream that lived on this connection fails, nobody waits */
	mutex_lock(&dev->ctx_mutex);
	list_for_each_entry(ctx, &dev->ctxs, node)
		daedalus_fail_stream(ctx, d->seq);
	mutex_unlock(&dev->ctx_mutex);

	if (d->ready)
		v4l2_info(&dev->v4l2_dev, "daemon disconnected\n");
	kfree(d);
	return 0;
}

static ssize_t daedalus_cdev_read(struct file *file, char __user *buf,
				  size_t count, loff_t *ppos)
{
	struct daedalus_daemon *d = file->private_data;
	struct daedalus_dev *dev = d->dev;
	struct daedalus_qmsg *qm;
	int ret;

	for (;;) {
		spin_lock(&dev->lock);
		qm = list_first_entry_or_null(&d->msgs, struct daedalus_qmsg,
					      node);
		if (qm && qm->size > count) {
			spin_unlock(&dev->lock);
			return -EINVAL;
		}
		if (qm)
			list_del(&qm->node);
		spin_unlock(&dev->lock);
		if (qm)
			break;

		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(d->wq, !list_empty(&d->msgs));
		if (ret)
			return ret;
	}

	if (copy_to_user(buf, qm->data, qm->size)) {
		/* put it back: the daemon may retry with a good buffer */
		spin_lock(&dev->lock);
		list_add(&qm->node, &d->msgs);
		spin_unlock(&dev->lock);
		return -EFAULT;
	}
	ret = qm->size;
	daedalus_msg_free(qm);
	return ret;
}

static __poll_t daedalus_cdev_poll(struct file *file, poll_table *wait)
{
	struct daedalus_daemon *d = file->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &d->wq, wait);
	spin_lock(&d->dev->lock);
	if (!list_empty(&d->msgs))
		mask |= EPOLLIN | EPOLLRDNORM;
	spin_unlock(&d->dev->lock);
	return mask;
}

static bool all_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

static int handle_hello(struct daedalus_daemon *d,
			const struct daedalus_msg_hello *m)
{
	struct daedalus_dev *dev = d->dev;
	bool again;
	u32 i;

	if (m->hdr.stream_id || m->max_msg_size ||
	    !all_zero(m->reserved, sizeof(m->reserved)))
		return -EINVAL;
	if (m->major != DAEDALUS_PROTO_MAJOR) {
		v4l2_warn(&dev->v4l2_dev,
			  "daemon speaks protocol %u.%u, the module %u.%u\n",
			  m->major, m->minor, DAEDALUS_PROTO_MAJOR,
			  DAEDALUS_PROTO_MINOR);
		return -EPROTO;
	}
	if (m->num_codecs > DAEDALUS_MAX_CODECS)
		return -EINVAL;
	for (i = m->num_codecs; i < DAEDALUS_MAX_CODECS; i++)
		if (m->codecs[i])
			return -EINVAL;

	/*
	 * A repeated HELLO (protocol 1.1) replaces the codec list: a daemon
	 * that reloaded its configuration.  Streams already open keep their
	 * codec; ENUM_FMT(OUTPUT) follows the new list at once.
	 */
	spin_lock(&dev->lock);
	again = d->ready;
	memcpy(d->codecs, m->codecs, sizeof(d->codecs));
	d->num_codecs = m->num_codecs;
	d->ready = true;
	spin_unlock(&dev->lock);

	if (again)
		v4l2_info(&dev->v4l2_dev, "daemon now decodes %u codecs\n",
			  m->num_codecs);
	else
		v4l2_info(&dev->v4l2_dev,
			  "daemon connected (protocol %u.%u, %u codecs)\n",
			  m->major, m->minor, m->num_codecs);
	return 0;
}

/* a referenced context of the stream, or NULL */
static struct daedalus_ctx *find_ctx(struct daedalus_dev *dev, u64 stream_id)
{
	struct daedalus_ctx *ctx, *found = NULL;

	mutex_lock(&dev->ctx_mutex);
	list_for_each_entry(ctx, &dev->ctxs, node) {
		if (ctx->stream_id == stream_id) {
			kref_get(&ctx->ref);
			found = ctx;
			break;
		}
	}
	mutex_unlock(&dev->ctx_mutex);
	return found;
}

static const size_t in_msg_size[] = {
	[DAEDALUS_MSG_CONSUMED & 0xff] = sizeof(struct daedalus_msg_consumed),
	[DAEDALUS_MSG_FORMAT & 0xff] = sizeof(struct daedalus_msg_format),
	[DAEDALUS_MSG_FRAME & 0xff] = sizeof(struct daedalus_msg_frame),
	[DAEDALUS_MSG_DRAIN_DONE & 0xff] = sizeof(struct daedalus_msg_epoch),
	[DAEDALUS_MSG_STREAM_ERROR & 0xff] =
		sizeof(struct daedalus_msg_stream_error),
};

static int dispatch(struct daedalus_daemon *d, const void *msg, size_t count)
{
	const struct daedalus_msg_hdr *hdr = msg;
	struct daedalus_ctx *ctx;
	size_t need;
	int ret;

	if (hdr->size != count || hdr->flags)
		return -EINVAL;

	if (hdr->type == DAEDALUS_MSG_HELLO) {
		if (count < sizeof(struct daedalus_msg_hello) ||
		    !all_zero(msg + sizeof(struct daedalus_msg_hello),
			      count - sizeof(struct daedalus_msg_hello)))
			return -EINVAL;
		return handle_hello(d, msg);
	}

	if ((hdr->type & 0xff00) != 0x0100 ||
	    (hdr->type & 0xff) >= ARRAY_SIZE(in_msg_size) ||
	    !in_msg_size[hdr->type & 0xff])
		return -EOPNOTSUPP;
	need = in_msg_size[hdr->type & 0xff];
	/* newer daemons may append fields; this module knows none of them */
	if (count < need || !all_zero(msg + need, count - need))
		return -EINVAL;

	spin_lock(&d->dev->lock);
	ret = d->ready ? 0 : -EPROTO;
	spin_unlock(&d->dev->lock);
	if (ret)
		return ret;

	/*
	 * A stream that ended (closed, or failed: the handlers answer EIO)
	 * after the daemon wrote: a stale reply, counted.  The ids of a
	 * connection's streams were all handed out before it saw them.
	 */
	ctx = find_ctx(d->dev, hdr->stream_id);
	if (!ctx) {
		if (hdr->stream_id && hdr->stream_id < READ_ONCE(d->dev->next_stream_id))
			daedalus_count_stale(d->dev);
		return -ENOENT;
	}

	/* a stream of an earlier daemon connection is not this daemon's */
	spin_lock(&ctx->lock);
	if (!ctx->opened || ctx->conn_seq != d->seq || ctx->closed)
		ret = -ENOENT;
	spin_unlock(&ctx->lock);
	if (ret && ctx->opened)
		daedalus_count_stale(d->dev);

	if (!ret) {
		switch (hdr->type) {
		case DAEDALUS_MSG_CONSUMED:
			ret = daedalus_handle_consumed(ctx, msg);
			break;
		case DAEDALUS_MSG_FORMAT:
			ret = daedalus_handle_format(ctx, msg);
			break;
		case DAEDALUS_MSG_FRAME:
			ret = daedalus_handle_frame(ctx, msg);
			break;
		case DAEDALUS_MSG_DRAIN_DONE:
			ret = daedalus_handle_drain_done(ctx, msg);
			break;
		case DAEDALUS_MSG_STREAM_ERROR:
			ret = daedalus_handle_stream_error(ctx, msg);
			break;
		}
	}
	if (ret == -EIO)
		daedalus_count_stale(d->dev);
	daedalus_ctx_put(ctx);
	return ret;
}

static ssize_t daedalus_cdev_write(struct file *file, const char __user *buf,
				   size_t count, loff_t *ppos)
{
	struct daedalus_daemon *d = file->private_data;
	u64 msg[DAEDALUS_MAX_IN_MSG / sizeof(u64)];
	int ret;

	if (count < sizeof(struct daedalus_msg_hdr) || count > sizeof(msg))
		return -EINVAL;
	if (copy_from_user(msg, buf, count))
		return -EFAULT;

	ret = dispatch(d, msg, count);
	return ret < 0 ? ret : count;
}

static long daedalus_cdev_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	struct daedalus_daemon *d = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct daedalus_expbuf eb;
	struct daedalus_ctx *ctx;
	struct dma_buf *dbuf = ERR_PTR(-ENOENT);
	bool ours;
	int fd;

	if (cmd != DAEDALUS_IOC_EXPBUF)
		return -ENOTTY;
	if (copy_from_user(&eb, uarg, sizeof(eb)))
		return -EFAULT;
	if (eb.reserved || eb.fd ||
	    (eb.flags & ~(O_CLOEXEC | O_ACCMODE)) ||
	    eb.plane >= DAEDALUS_MAX_PLANES)
		return -EINVAL;

	ctx = find_ctx(d->dev, eb.stream_id);
	if (!ctx)
		return -ENOENT;
	spin_lock(&ctx->lock);
	ours = ctx->opened && ctx->conn_seq == d->seq;
	spin_unlock(&ctx->lock);
	if (ours)
		dbuf = daedalus_expbuf(ctx, &eb);
	daedalus_ctx_put(ctx);
	if (IS_ERR(dbuf))
		return PTR_ERR(dbuf);

	/*
	 * Reserve the fd, tell the daemon, then install: an installed fd is
	 * the daemon's other threads' at once, and closing it again on a
	 * failed copy could close what one of them opened meanwhile.
	 */
	fd = get_unused_fd_flags(eb.flags & O_CLOEXEC);
	if (fd < 0) {
		dma_buf_put(dbuf);
		return fd;
	}
	eb.fd = fd;
	if (copy_to_user(uarg, &eb, sizeof(eb))) {
		put_unused_fd(fd);
		dma_buf_put(dbuf);
		return -EFAULT;
	}
	/* the fd takes over the reference to the dma-buf's file */
	fd_install(fd, dbuf->file);
	return 0;
}

static const struct file_operations daedalus_cdev_fops = {
	.owner = THIS_MODULE,
	.open = daedalus_cdev_open,
	.release = daedalus_cdev_release,
	.read = daedalus_cdev_read,
	.write = daedalus_cdev_write,
	.poll = daedalus_cdev_poll,
	.unlocked_ioctl = daedalus_cdev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static ssize_t connected_show(struct device *d, struct device_attribute *attr,
			      char *buf)
{
	struct miscdevice *misc = dev_get_drvdata(d);
	struct daedalus_dev *dev = container_of(misc, struct daedalus_dev, misc);

	return sysfs_emit(buf, "%d\n", daedalus_daemon_ready(dev, NULL));
}
static DEVICE_ATTR_RO(connected);

/*
 * messages the daemon has not read yet: bounded per stream (see
 * queue_locked() in daedalus-stream.c)
 */
static ssize_t queued_show(struct device *d, struct device_attribute *attr,
			   char *buf)
{
	struct miscdevice *misc = dev_get_drvdata(d);
	struct daedalus_dev *dev = container_of(misc, struct daedalus_dev, misc);

	return sysfs_emit(buf, "%u\n", daedalus_queued(dev));
}
static DEVICE_ATTR_RO(queued);

/*
 * the daemon's messages dropped since the module was loaded because their
 * stream had ended or failed, or their epoch had passed (a daemon that
 * was stopped and continued, a seek): see daedalus_count_stale()
 */
static ssize_t stale_replies_show(struct device *d,
				  struct device_attribute *attr, char *buf)
{
	struct miscdevice *misc = dev_get_drvdata(d);
	struct daedalus_dev *dev = container_of(misc, struct daedalus_dev, misc);

	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&dev->stale_replies));
}
static DEVICE_ATTR_RO(stale_replies);

static struct attribute *daedalus_cdev_attrs[] = {
	&dev_attr_connected.attr,
	&dev_attr_queued.attr,
	&dev_attr_stale_replies.attr,
	NULL,
};
ATTRIBUTE_GROUPS(daedalus_cdev);

int daedalus_chardev_register(struct daedalus_dev *dev)
{
	dev->misc.minor = MISC_DYNAMIC_MINOR;
	dev->misc.name = DAEDALUS_DEVICE_NAME;
	dev->misc.fops = &daedalus_cdev_fops;
	dev->misc.groups = daedalus_cdev_groups;
	dev->misc.mode = 0600;
	return misc_register(&dev->misc);
}

void daedalus_chardev_unregister(struct daedalus_dev *dev)
{
	misc_deregister(&dev->misc);
}
