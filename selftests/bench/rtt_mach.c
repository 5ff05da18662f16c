// SPDX-License-Identifier: GPL-2.0
/*
 * Mach round trip, the way a Darwin client and a MIG server do it:
 *  - the client sends with COPY_SEND to the service port and MAKE_SEND_ONCE
 *    of its reply port, and receives the reply in the same mach_msg
 *    (MACH_SEND_MSG | MACH_RCV_MSG);
 *  - the server replies with MOVE_SEND_ONCE to the send-once right it was
 *    given and receives the next request in the same mach_msg.
 * The send right reaches the client through a port descriptor inherited
 * across fork (MACHINA_IOC_PORT_FD / PORT_FROM_FD).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mach_raw.h"
#include "rtt.h"

struct mach_buf {
	mach_msg_header_t hdr;
	uint8_t body[RTT_MAX_PAYLOAD];
	uint8_t trailer[256]; /* the receiver's trailer lands here */
} __attribute__((aligned(16)));

struct mach_rtt {
	int send_fd; /* send right for the client, across fork */
	mach_port_name_t service; /* server: receive right; client: send right */
	mach_port_name_t reply; /* client's reply port */
	struct mach_buf out, in;
};

static const char *mach_unavailable(void)
{
	return mr_open();
}

static int mach_setup(struct rtt_run *run)
{
	struct mach_rtt *m = calloc(1, sizeof(*m));
	mach_port_name_t self;
	int kr;

	if (!m)
		return -1;
	run->priv = m;
	kr = mr_task_self(&self);
	if (!kr)
		kr = mr_allocate(self, MACH_PORT_RIGHT_RECEIVE, &m->service);
	if (!kr)
		kr = mr_make_send(self, m->service);
	if (!kr)
		kr = mr_send_fd(m->service, &m->send_fd);
	if (kr) {
		rtt_fail("mach", "server port setup", kr);
		return -1;
	}
	memset(m->out.body, 0xa5, sizeof(m->out.body));
	return 0;
}

static int mach_client_init(struct rtt_run *run)
{
	struct mach_rtt *m = run->priv;
	mach_port_name_t self;
	int kr;

	kr = mr_task_self(&self);
	if (!kr)
		kr = mr_from_fd(m->send_fd, &m->service);
	if (!kr)
		kr = mr_allocate(self, MACH_PORT_RIGHT_RECEIVE, &m->reply);
	if (kr) {
		rtt_fail("mach", "client port setup", kr);
		return -1;
	}
	close(m->send_fd);
	return 0;
}

static int mach_call(struct rtt_run *run, uint32_t size)
{
	struct mach_rtt *m = run->priv;
	int mr;

	m->out.hdr.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
					      MACH_MSG_TYPE_MAKE_SEND_ONCE);
	m->out.hdr.msgh_size = sizeof(m->out.hdr) + size;
	m->out.hdr.msgh_remote_port = m->service;
	m->out.hdr.msgh_local_port = m->reply;
	m->out.hdr.msgh_voucher_port = MACH_PORT_NULL;
	m->out.hdr.msgh_id = (mach_msg_id_t)size;
	mr = mr_msg(&m->out, MACH_SEND_MSG | MACH_RCV_MSG, m->out.hdr.msgh_size,
		    sizeof(m->in), m->reply, &m->in);
	if (mr || m->in.hdr.msgh_size != sizeof(m->in.hdr) + size) {
		rtt_fail("mach", "client send+receive", mr ? mr : -1);
		return -1;
	}
	return 0;
}

static int mach_serve(struct rtt_run *run)
{
	struct mach_rtt *m = run->priv;
	size_t i;
	int mr;

	if (!run->nplan)
		return 0;
	close(m->send_fd);
	mr = mr_msg(NULL, MACH_RCV_MSG, 0, sizeof(m->in), m->service, &m->in);
	for (i = 0; !mr && i < run->nplan; i++) {
		bool last = i + 1 == run->nplan;

		if (m->in.hdr.msgh_size != sizeof(m->in.hdr) + run->plan[i]) {
			rtt_fail("mach", "server got the wrong size",
				 m->in.hdr.msgh_size);
			return -1;
		}
		m->out.hdr.msgh_bits =
			MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
		m->out.hdr.msgh_size = sizeof(m->out.hdr) + run->plan[i];
		m->out.hdr.msgh_remote_port = m->in.hdr.msgh_remote_port;
		m->out.hdr.msgh_local_port = MACH_PORT_NULL;
		m->out.hdr.msgh_voucher_port = MACH_PORT_NULL;
		m->out.hdr.msgh_id = m->in.hdr.msgh_id + 100;
		mr = mr_msg(&m->out,
			    last ? MACH_SEND_MSG : MACH_SEND_MSG | MACH_RCV_MSG,
			    m->out.hdr.msgh_size, last ? 0 : sizeof(m->in),
			    last ? MACH_PORT_NULL : m->service, &m->in);
	}
	if (mr) {
		rtt_fail("mach", "server reply+receive", mr);
		return -1;
	}
	return 0;
}

const struct rtt_transport rtt_mach = {
	.name = "mach",
	.unavailable = mach_unavailable,
	.setup = mach_setup,
	.client_init = mach_client_init,
	.serve = mach_serve,
	.call = mach_call,
};
