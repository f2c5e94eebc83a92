// SPDX-License-Identifier: GPL-2.0
/*
 * daedalus-v4l2: module init/exit and the device.
 *
 * One V4L2 memory-to-memory stateful decoder node and one misc chardev
 * for the userspace daemon that does the decoding.
 */

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/videodev2.h>

#include "daedalus.h"

/*
 * Coded formats the module can expose, one access unit per OUTPUT buffer;
 * the daemon's HELLO narrows them.  The first one the daemon decodes is the
 * default OUTPUT format.
 */
const struct daedalus_coded_fmt daedalus_coded_fmts[] = {
	{ V4L2_PIX_FMT_H264, V4L2_FMT_FLAG_DYN_RESOLUTION },
	{ V4L2_PIX_FMT_HEVC, V4L2_FMT_FLAG_DYN_RESOLUTION },
	{ V4L2_PIX_FMT_VP8, V4L2_FMT_FLAG_DYN_RESOLUTION },
	{ V4L2_PIX_FMT_VP9, V4L2_FMT_FLAG_DYN_RESOLUTION },
	{ V4L2_PIX_FMT_MPEG2, V4L2_FMT_FLAG_DYN_RESOLUTION },
	{ V4L2_PIX_FMT_MPEG4, V4L2_FMT_FLAG_DYN_RESOLUTION },
	{ V4L2_PIX_FMT_AV1, V4L2_FMT_FLAG_DYN_RESOLUTION |
	  (DAEDALUS_AV1_DESCRIPTION ? V4L2_FMT_FLAG_COMPRESSED : 0),
	  DAEDALUS_AV1_DESCRIPTION },
};

const unsigned int daedalus_num_coded_fmts = ARRAY_SIZE(daedalus_coded_fmts);

unsigned int daedalus_watchdog_ms = 10000;
module_param_named(watchdog_ms, daedalus_watchdog_ms, uint, 0644);
MODULE_PARM_DESC(watchdog_ms,
		 "fail a stream whose daemon makes no progress for this long although it could (ms, 0 = never; default 10000)");

int daedalus_video_nr = -1;
module_param_named(video_nr, daedalus_video_nr, int, 0444);
MODULE_PARM_DESC(video_nr,
		 "the decoder's /dev/videoN: N, or the first free number after it if taken (-1 = the first free; default -1). Raspberry Pi OS's Chromium opens /dev/video10");

static struct daedalus_dev *daedalus;

static void daedalus_media_init(struct daedalus_dev *dev)
{
#ifdef CONFIG_MEDIA_CONTROLLER
	dev->mdev.dev = &dev->pdev->dev;
	/* no driver binds to the parent: name ours, or MEDIA_IOC_DEVICE_INFO oopses */
	strscpy(dev->mdev.driver_name, DAEDALUS_DRIVER,
		sizeof(dev->mdev.driver_name));
	strscpy(dev->mdev.model, DAEDALUS_NAME, sizeof(dev->mdev.model));
	strscpy(dev->mdev.bus_info, "platform:" DAEDALUS_NAME,
		sizeof(dev->mdev.bus_info));
	media_device_init(&dev->mdev);
	dev->v4l2_dev.mdev = &dev->mdev;
#endif
}

static void daedalus_media_cleanup(struct daedalus_dev *dev)
{
#ifdef CONFIG_MEDIA_CONTROLLER
	media_device_cleanup(&dev->mdev);
#endif
}

static int __init daedalus_init(void)
{
	struct daedalus_dev *dev;
	int ret;

	BUILD_BUG_ON(ARRAY_SIZE(daedalus_coded_fmts) > DAEDALUS_MAX_CODECS);

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;

	spin_lock_init(&dev->lock);
	mutex_init(&dev->ctx_mutex);
	INIT_LIST_HEAD(&dev->ctxs);
	dev->next_stream_id = 1;

	dev->pdev = platform_device_register_simple(DAEDALUS_NAME,
						    PLATFORM_DEVID_NONE,
						    NULL, 0);
	if (IS_ERR(dev->pdev)) {
		ret = PTR_ERR(dev->pdev);
		goto err_free;
	}
	daedalus_media_init(dev);

	strscpy(dev->v4l2_dev.name, DAEDALUS_NAME, sizeof(dev->v4l2_dev.name));
	ret = v4l2_device_register(&dev->pdev->dev, &dev->v4l2_dev);
	if (ret)
		goto err_pdev;

	ret = daedalus_chardev_register(dev);
	if (ret)
		goto err_v4l2;

	ret = daedalus_video_register(dev);
	if (ret)
		goto err_chardev;

	ret = daedalus_media_register(dev);
	if (ret)
		goto err_video;

	daedalus_debugfs_init(dev);
	daedalus = dev;
	v4l2_info(&dev->v4l2_dev,
		  "decoder node %s, daemon device /dev/%s (protocol %u.%u)\n",
		  video_device_node_name(&dev->vfd), DAEDALUS_DEVICE_NAME,
		  DAEDALUS_PROTO_MAJOR, DAEDALUS_PROTO_MINOR);
	return 0;

err_video:
	daedalus_video_unregister(dev);
err_chardev:
	daedalus_chardev_unregister(dev);
err_v4l2:
	v4l2_device_unregister(&dev->v4l2_dev);
err_pdev:
	daedalus_media_cleanup(dev);
	platform_device_unregister(dev->pdev);
err_free:
	mutex_destroy(&dev->ctx_mutex);
	kfree(dev);
	return ret;
}

static void __exit daedalus_exit(void)
{
	struct daedalus_dev *dev = daedalus;

	/* both fops pin the module: no file of either device is open here */
	daedalus_debugfs_exit(dev);
	daedalus_media_unregister(dev);
	daedalus_video_unregister(dev);
	daedalus_chardev_unregister(dev);
	v4l2_device_unregister(&dev->v4l2_dev);
	daedalus_media_cleanup(dev);
	platform_device_unregister(dev->pdev);
	mutex_destroy(&dev->ctx_mutex);
	kfree(dev);
}

module_init(daedalus_init);
module_exit(daedalus_exit);

MODULE_DESCRIPTION("V4L2 stateful decoder backed by a userspace GStreamer daemon");
MODULE_AUTHOR("The daedalus-v4l2 developers");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
