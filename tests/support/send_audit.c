/*
 * LD_PRELOAD audit of where a process sends: every connect()/sendto()/sendmsg()/sendmmsg()
 * destination and every name given to getaddrinfo() is appended to the file named by
 * $SEND_AUDIT_LOG, one line each ("send ADDRESS PORT", "resolve NAME"). So that an audited run
 * never reaches off this host, a send to a non-loopback address is refused (ENETUNREACH) after
 * it is logged, and a name that is neither numeric nor "localhost" is not resolved (EAI_NONAME)
 * after it is logged: no DNS query leaves either.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

static void audit(const char *line) {
	const char *path = getenv("SEND_AUDIT_LOG");
	if (path == NULL)
		return;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	ssize_t ignored = write(fd, line, strlen(line));
	(void)ignored;
	close(fd);
}

/* Logs an IP destination; returns 0 when it must be refused (not loopback). */
static int audit_destination(const struct sockaddr *addr) {
	char host[INET6_ADDRSTRLEN] = "", line[128];
	int port = 0, loopback = 1;
	if (addr == NULL)
		return 1;
	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *ipv4 = (const struct sockaddr_in *)addr;
		inet_ntop(AF_INET, &ipv4->sin_addr, host, sizeof(host));
		port = ntohs(ipv4->sin_port);
		loopback = ((const unsigned char *)&ipv4->sin_addr)[0] == 127;
	} else if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *ipv6 = (const struct sockaddr_in6 *)addr;
		inet_ntop(AF_INET6, &ipv6->sin6_addr, host, sizeof(host));
		port = ntohs(ipv6->sin6_port);
		loopback = IN6_IS_ADDR_LOOPBACK(&ipv6->sin6_addr)
			|| (IN6_IS_ADDR_V4MAPPED(&ipv6->sin6_addr) && ipv6->sin6_addr.s6_addr[12] == 127);
	} else {
		return 1; /* AF_UNIX, AF_NETLINK, ...: not network traffic */
	}
	snprintf(line, sizeof(line), "send %s %d\n", host, port);
	audit(line);
	return loopback;
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res) {
	if (node != NULL) {
		char line[300];
		struct in6_addr ip;
		snprintf(line, sizeof(line), "resolve %.250s\n", node);
		audit(line);
		if (strcmp(node, "localhost") != 0 && inet_pton(AF_INET, node, &ip) != 1
				&& inet_pton(AF_INET6, node, &ip) != 1)
			return EAI_NONAME;
	}
	return REAL(getaddrinfo)(node, service, hints, res);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
	if (!audit_destination(addr)) {
		errno = ENETUNREACH;
		return -1;
	}
	return REAL(connect)(fd, addr, len);
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
               socklen_t len) {
	if (!audit_destination(addr)) {
		errno = ENETUNREACH;
		return -1;
	}
	return REAL(sendto)(fd, buf, n, flags, addr, len);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
	if (!audit_destination((const struct sockaddr *)msg->msg_name)) {
		errno = ENETUNREACH;
		return -1;
	}
	return REAL(sendmsg)(fd, msg, flags);
}

int sendmmsg(int fd, struct mmsghdr *msgs, unsigned int count, int flags) {
	for (unsigned int i = 0; i < count; i++)
		if (!audit_destination((const struct sockaddr *)msgs[i].msg_hdr.msg_name)) {
			errno = ENETUNREACH;
			return -1;
		}
	return REAL(sendmmsg)(fd, msgs, count, flags);
}
