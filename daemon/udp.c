// SPDX-License-Identifier: GPL-2.0
/*
 * UDP: one socket per listen address, read in batches with recvmmsg()
 * into per-slot buffers the size of the largest datagram, so a message
 * is parsed where it landed.  Wildcard sockets learn each datagram's
 * destination (IP_PKTINFO) and answer from it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "tp.h"

#define UDP_BATCH 32
/* A burst of REGISTERs after a power cut must not overflow the queue. */
#define UDP_RCVBUF (4 << 20)

struct udp_sock {
	int fd;
	int family;
	bool wildcard;
	union tp_addr local;
	tp_recv_fn recv;
};

static struct udp_sock socks[CFG_MAX_LISTEN];
static unsigned int nsocks;

static char bufs[UDP_BATCH][TP_MAX_MSG];
static char ctls[UDP_BATCH][CMSG_SPACE(sizeof(struct in6_pktinfo))];
static union tp_addr froms[UDP_BATCH];
static struct iovec iovs[UDP_BATCH];
static struct mmsghdr msgs[UDP_BATCH];

static bool is_wildcard(const union tp_addr *a)
{
	if (a->sa.sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&a->sin6.sin6_addr);
	return a->sin.sin_addr.s_addr == htonl(INADDR_ANY);
}

static socklen_t addr_len(const union tp_addr *a)
{
	return a->sa.sa_family == AF_INET6 ? sizeof(a->sin6) : sizeof(a->sin);
}

static void local_addr(const struct udp_sock *us, struct msghdr *mh,
		       union tp_addr *local)
{
	struct cmsghdr *cm;

	*local = us->local;
	if (!us->wildcard)
		return;
	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			local->sin.sin_addr = pi.ipi_addr;
		} else if (cm->cmsg_level == IPPROTO_IPV6 &&
			   cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			local->sin6.sin6_addr = pi.ipi6_addr;
			/* a link-local source needs its interface back */
			if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
				local->sin6.sin6_scope_id = pi.ipi6_ifindex;
		}
	}
}

/* RFC 5626 §4.4.2 keep-alives and NAT-pinning junk: CRLFs, NULs, spaces */
static bool keepalive(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != '\r' && buf[i] != '\n' && buf[i] != ' ' && buf[i])
			return false;
	return true;
}

static void deliver(struct udp_sock *us, int i)
{
	struct msghdr *mh = &msgs[i].msg_hdr;
	struct sip_peer p = { .proto = TP_UDP, .sock = us - socks + 1 };
	char name[64];

	memcpy(&p.addr, &froms[i], sizeof(p.addr));
	local_addr(us, mh, &p.local);
	tp_stats.udp_rx++;
	if (mh->msg_flags & MSG_TRUNC) {
		tp_stats.udp_truncated++;
		log_warnx_rl("%s: datagram over %d bytes dropped",
			     tp_peer_str(&p, name, sizeof(name)), TP_MAX_MSG);
		return;
	}
	if (keepalive(bufs[i], msgs[i].msg_len)) {
		tp_stats.udp_keepalives++;
		return;
	}
	us->recv(bufs[i], msgs[i].msg_len, &p);
}

static void prepare(int n)
{
	for (int i = 0; i < n; i++) {
		struct msghdr *mh = &msgs[i].msg_hdr;

		iovs[i].iov_base = bufs[i];
		iovs[i].iov_len = sizeof(bufs[i]);
		mh->msg_name = &froms[i];
		mh->msg_namelen = sizeof(froms[i]);
		mh->msg_iov = &iovs[i];
		mh->msg_iovlen = 1;
		mh->msg_control = ctls[i];
		mh->msg_controllen = sizeof(ctls[i]);
		mh->msg_flags = 0;
	}
}

/* A few batches per wake-up, so one flooded socket cannot starve others. */
static void udp_read(int fd, uint32_t events, void *arg)
{
	struct udp_sock *us = arg;
	int n;

	for (int round = 0; round < 4; round++) {
		prepare(UDP_BATCH);
		n = recvmmsg(fd, msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("udp receive");
			return;
		}
		for (int i = 0; i < n; i++)
			deliver(us, i);
		if (n < UDP_BATCH)
			return;
	}
}

static int sock_opts(int fd, int family)
{
	int one = 1, size = UDP_RCVBUF;

	if (family == AF_INET6) {
		/* [::] and 0.0.0.0 are separate listen entries */
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			       sizeof(one)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			       sizeof(one)))
			return -errno;
	} else if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one))) {
		return -errno;
	}
	/* FORCE passes rmem_max while we are still root; else take less */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return 0;
}

int udp_listen(const struct cfg_listen *l, tp_recv_fn recv)
{
	struct udp_sock *us = &socks[nsocks];
	int fd, ret;

	if (nsocks == CFG_MAX_LISTEN)
		return -ENOSPC;
	fd = socket(l->addr.ss_family,
		    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = sock_opts(fd, l->addr.ss_family);
	if (!ret && bind(fd, (const struct sockaddr *)&l->addr, l->addrlen))
		ret = -errno;
	if (!ret)
		ret = ev_fd_add(fd, EPOLLIN, udp_read, us);
	if (ret) {
		close(fd);
		return ret;
	}
	us->fd = fd;
	us->family = l->addr.ss_family;
	memcpy(&us->local, &l->addr, l->addrlen);
	us->wildcard = is_wildcard(&us->local);
	us->recv = recv;
	nsocks++;
	return 0;
}

void udp_exit(void)
{
	for (unsigned int i = 0; i < nsocks; i++) {
		ev_fd_del(socks[i].fd);
		close(socks[i].fd);
	}
	nsocks = 0;
}

/* The socket a message arrived on, else the first of the right family. */
static struct udp_sock *pick(const struct sip_peer *peer)
{
	int family = peer->addr.sa.sa_family;

	if (peer->sock && peer->sock <= nsocks &&
	    socks[peer->sock - 1].family == family)
		return &socks[peer->sock - 1];
	for (unsigned int i = 0; i < nsocks; i++)
		if (socks[i].family == family)
			return &socks[i];
	return NULL;
}

/* Ask for @local as the source address: a wildcard socket has none. */
static void set_source(struct msghdr *mh, char *ctl, const union tp_addr *local)
{
	struct cmsghdr *cm;

	mh->msg_control = ctl;
	cm = (struct cmsghdr *)ctl;
	if (local->sa.sa_family == AF_INET6) {
		struct in6_pktinfo pi = {
			.ipi6_addr = local->sin6.sin6_addr,
			.ipi6_ifindex = local->sin6.sin6_scope_id,
		};

		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		mh->msg_controllen = CMSG_SPACE(sizeof(pi));
	} else {
		struct in_pktinfo pi = { .ipi_spec_dst = local->sin.sin_addr };

		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		mh->msg_controllen = CMSG_SPACE(sizeof(pi));
	}
}

int udp_send(const struct sip_peer *peer, const void *buf, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = {
		.msg_name = (void *)&peer->addr,
		.msg_namelen = addr_len(&peer->addr),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	struct udp_sock *us = pick(peer);

	if (!us)
		return -EAFNOSUPPORT;
	memset(&ctl, 0, sizeof(ctl));
	if (us->wildcard && peer->local.sa.sa_family == us->family &&
	    !is_wildcard(&peer->local))
		set_source(&mh, ctl.buf, &peer->local);
	if (sendmsg(us->fd, &mh, MSG_DONTWAIT) < 0) {
		tp_stats.udp_tx_errors++;
		return -errno;
	}
	tp_stats.udp_tx++;
	return 0;
}
