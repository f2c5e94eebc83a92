// SPDX-License-Identifier: GPL-2.0
/*
 * daedalus-v4l2: the media controller topology of the decoder, the one a
 * v4l2-mem2mem driver gets from v4l2_m2m_register_media_controller():
 *
 *   interface /dev/videoN --- source (I/O) -> proc (decoder) -> sink (I/O)
 *
 * Written here because the module does not use v4l2-mem2mem; the entity
 * function tells tools (v4l2-compliance, libcamera-style enumerators) that
 * the node is a video decoder.
 */

#include <linux/videodev2.h>
#include <media/media-device.h>
#include <media/media-entity.h>

#include "daedalus.h"

static int register_entity(struct daedalus_dev *dev, struct media_entity *ent,
			   const char *name, u32 function,
			   struct media_pad *pads, u16 num_pads, bool io)
{
	int ret;

	ent->obj_type = MEDIA_ENTITY_TYPE_BASE;
	if (io) {
		ent->info.dev.major = VIDEO_MAJOR;
		ent->info.dev.minor = dev->vfd.minor;
	}
	ent->name = name;
	ent->function = function;
	ret = media_entity_pads_init(ent, num_pads, pads);
	if (ret)
		return ret;
	return media_device_register_entity(&dev->mdev, ent);
}

int daedalus_media_register(struct daedalus_dev *dev)
{
	struct media_link *link;
	int ret;

	dev->src_pad.flags = MEDIA_PAD_FL_SOURCE;
	ret = register_entity(dev, &dev->vfd.entity, DAEDALUS_NAME "-source",
			      MEDIA_ENT_F_IO_V4L, &dev->src_pad, 1, true);
	if (ret)
		return ret;

	dev->proc_pads[0].flags = MEDIA_PAD_FL_SINK;
	dev->proc_pads[1].flags = MEDIA_PAD_FL_SOURCE;
	ret = register_entity(dev, &dev->proc, DAEDALUS_NAME "-proc",
			      MEDIA_ENT_F_PROC_VIDEO_DECODER, dev->proc_pads, 2,
			      false);
	if (ret)
		goto err_source;

	dev->sink_pad.flags = MEDIA_PAD_FL_SINK;
	ret = register_entity(dev, &dev->sink, DAEDALUS_NAME "-sink",
			      MEDIA_ENT_F_IO_V4L, &dev->sink_pad, 1, true);
	if (ret)
		goto err_proc;

	ret = media_create_pad_link(&dev->vfd.entity, 0, &dev->proc, 0,
				    MEDIA_LNK_FL_IMMUTABLE | MEDIA_LNK_FL_ENABLED);
	if (ret)
		goto err_sink;
	ret = media_create_pad_link(&dev->proc, 1, &dev->sink, 0,
				    MEDIA_LNK_FL_IMMUTABLE | MEDIA_LNK_FL_ENABLED);
	if (ret)
		goto err_links;

	dev->intf_devnode = media_devnode_create(&dev->mdev,
						 MEDIA_INTF_T_V4L_VIDEO, 0,
						 VIDEO_MAJOR, dev->vfd.minor);
	if (!dev->intf_devnode) {
		ret = -ENOMEM;
		goto err_links;
	}
	link = media_create_intf_link(&dev->vfd.entity, &dev->intf_devnode->intf,
				      MEDIA_LNK_FL_IMMUTABLE | MEDIA_LNK_FL_ENABLED);
	if (!link) {
		ret = -ENOMEM;
		goto err_devnode;
	}
	link = media_create_intf_link(&dev->sink, &dev->intf_devnode->intf,
				      MEDIA_LNK_FL_IMMUTABLE | MEDIA_LNK_FL_ENABLED);
	if (!link) {
		ret = -ENOMEM;
		goto err_intf_links;
	}

	ret = media_device_register(&dev->mdev);
	if (ret)
		goto err_intf_links;
	return 0;

err_intf_links:
	media_remove_intf_links(&dev->intf_devnode->intf);
err_devnode:
	media_devnode_remove(dev->intf_devnode);
err_links:
	media_entity_remove_links(&dev->vfd.entity);
	media_entity_remove_links(&dev->sink);
	media_entity_remove_links(&dev->proc);
err_sink:
	media_device_unregister_entity(&dev->sink);
err_proc:
	media_device_unregister_entity(&dev->proc);
err_source:
	media_device_unregister_entity(&dev->vfd.entity);
	return ret;
}

void daedalus_media_unregister(struct daedalus_dev *dev)
{
	media_device_unregister(&dev->mdev);
	media_remove_intf_links(&dev->intf_devnode->intf);
	media_devnode_remove(dev->intf_devnode);
	media_entity_remove_links(&dev->vfd.entity);
	media_entity_remove_links(&dev->sink);
	media_entity_remove_links(&dev->proc);
	media_device_unregister_entity(&dev->vfd.entity);
	media_device_unregister_entity(&dev->sink);
	media_device_unregister_entity(&dev->proc);
}
