/*
 * LD_PRELOAD shim that keeps a test server or browser on the loopback interface.
 *
 * Janus skips interfaces flagged IFF_LOOPBACK when it gathers ICE candidates (src/ice.c), and
 * Chromium gathers on every interface and pairs its external address with loopback candidates, so
 * neither can be told by configuration alone to use 127.0.0.1 and nothing else. Preloaded into
 * their processes, this shim
 *   - shows getifaddrs() callers the loopback addresses only, and without IFF_LOOPBACK, so Janus
 *     gathers on 127.0.0.1 and nowhere else;
 *   - hides non-loopback addresses from netlink address dumps read with recv() (Chromium's
 *     AddressTrackerLinux, net/base/address_tracker_linux.cc), so Chromium sees one network, lo;
 *   - refuses bind() to a non-loopback address (EADDRNOTAVAIL) and connect()/sendto()/sendmsg()
 *     towards one (ENETUNREACH): whatever else the process tries, nothing leaves loopback.
 * Wildcard binds (0.0.0.0, ::) stay allowed: the peer's address decides where packets go.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static int is_loopback_ipv4(const void *address) {
	return ((const unsigned char *)address)[0] == 127;
}

static int is_loopback_ipv6(const void *address) {
	struct in6_addr ip;
	memcpy(&ip, address, sizeof(ip));
	return IN6_IS_ADDR_LOOPBACK(&ip) || (IN6_IS_ADDR_V4MAPPED(&ip) && ip.s6_addr[12] == 127);
}

/* Loopback (or, with wildcard_ok, the wildcard) address, or not an IP socket address at all. */
static int is_loopback(const struct sockaddr *addr, int wildcard_ok) {
	if (addr == NULL)
		return 1;
	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *ipv4 = (const struct sockaddr_in *)addr;
		return is_loopback_ipv4(&ipv4->sin_addr)
			|| (wildcard_ok && ipv4->sin_addr.s_addr == htonl(INADDR_ANY));
	}
	if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *ipv6 = (const struct sockaddr_in6 *)addr;
		return is_loopback_ipv6(&ipv6->sin6_addr)
			|| (wildcard_ok && IN6_IS_ADDR_UNSPECIFIED(&ipv6->sin6_addr));
	}
	return 1; /* AF_UNIX, AF_NETLINK, ...: not network traffic */
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

int getifaddrs(struct ifaddrs **list) {
	int result = REAL(getifaddrs)(list);
	if (result != 0)
		return result;
	/* Entries are neutralised, not unlinked: freeifaddrs() frees the block from the head. */
	for (struct ifaddrs *ifa = *list; ifa != NULL; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL || (ifa->ifa_addr->sa_family != AF_INET
		                              && ifa->ifa_addr->sa_family != AF_INET6))
			continue;
		if (is_loopback(ifa->ifa_addr, 0)) {
			ifa->ifa_flags &= ~IFF_LOOPBACK;
		} else {
			ifa->ifa_addr = NULL;
			ifa->ifa_flags &= ~(IFF_UP | IFF_RUNNING);
		}
	}
	return result;
}

/* An RTM_NEWADDR/RTM_DELADDR message about a non-loopback address. */
static int is_foreign_address_message(struct nlmsghdr *header) {
	if (header->nlmsg_type != RTM_NEWADDR && header->nlmsg_type != RTM_DELADDR)
		return 0;
	struct ifaddrmsg *message = NLMSG_DATA(header);
	int length = IFA_PAYLOAD(header);
	for (struct rtattr *attr = IFA_RTA(message); RTA_OK(attr, length); attr = RTA_NEXT(attr, length)) {
		if (attr->rta_type != IFA_ADDRESS && attr->rta_type != IFA_LOCAL)
			continue;
		if (message->ifa_family == AF_INET)
			return !is_loopback_ipv4(RTA_DATA(attr));
		if (message->ifa_family == AF_INET6)
			return !is_loopback_ipv6(RTA_DATA(attr));
	}
	return 0;
}

ssize_t recv(int fd, void *buf, size_t n, int flags) {
	ssize_t got = REAL(recv)(fd, buf, n, flags);
	int domain = 0;
	socklen_t size = sizeof(domain);
	if (got <= 0 || (flags & MSG_PEEK) || getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &size) != 0
			|| domain != AF_NETLINK)
		return got;
	int length = (int)got;
	for (struct nlmsghdr *header = buf; NLMSG_OK(header, length); header = NLMSG_NEXT(header, length))
		if (is_foreign_address_message(header))
			header->nlmsg_type = NLMSG_NOOP;  /* same length: the rest of the buffer still parses */
	return got;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
	if (!is_loopback(addr, 1)) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	return REAL(bind)(fd, addr, len);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
	if (!is_loopback(addr, 0)) {
		errno = ENETUNREACH;
		return -1;
	}
	return REAL(connect)(fd, addr, len);
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
               socklen_t len) {
	if (!is_loopback(addr, 0)) {
		errno = ENETUNREACH;
		return -1;
	}
	return REAL(sendto)(fd, buf, n, flags, addr, len);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
	if (!is_loopback((const struct sockaddr *)msg->msg_name, 0)) {
		errno = ENETUNREACH;
		return -1;
	}
	return REAL(sendmsg)(fd, msg, flags);
}

int sendmmsg(int fd, struct mmsghdr *msgs, unsigned int count, int flags) {
	for (unsigned int i = 0; i < count; i++)
		if (!is_loopback((const struct sockaddr *)msgs[i].msg_hdr.msg_name, 0)) {
			errno = ENETUNREACH;
			return -1;
		}
	return REAL(sendmmsg)(fd, msgs, count, flags);
}
