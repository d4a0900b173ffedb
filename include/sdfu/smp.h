/* SPDX-License-Identifier: Apache-2.0 */
/* SMP umbrella header: the SMP core's role headers plus the OS and image group ids. */
#ifndef SDFU_SMP_H
#define SDFU_SMP_H

/*
 * Split by role (as Zephyr's mgmt/, smp/ and callbacks headers): new code includes
 * the header it needs. This umbrella keeps code written against the former single
 * header compiling, including the group ids that moved to their groups.
 */
#include "sdfu/smp_hdr.h"    /* wire format: header codec, ops, versions, MGMT_ERR */
#include "sdfu/smp_server.h" /* transports, handlers, groups, server, dispatch */
#include "sdfu/smp_cb.h"     /* callbacks that may veto */
#include "sdfu/smp_cbor.h"   /* CBOR helpers for handlers */
#include "sdfu/os.h"         /* SDFU_SMP_GROUP_OS, OS callback events */
#include "sdfu/img.h"        /* SDFU_SMP_GROUP_IMG, image callback events */

#endif /* SDFU_SMP_H */
