/* One netlink socket over libmnl, with extended ACKs on, for every layer that
 * talks netlink (devlink over generic netlink; rtnetlink for links and tc).
 * I/O lives here; message encoding and decoding live in pure functions of the
 * layers. Errors are negative errno; the kernel's extended-ACK text of the last
 * failed request is kept in ->extack for the caller to show. */
#ifndef OO_COMMON_NLSOCK_H
#define OO_COMMON_NLSOCK_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define OO_NL_EXTACK_MAX 256
/* A socket's first receive buffer; it grows when a reply message does not
 * fit (a PF with ~330 VFs or more makes a link message over 64 KiB), up to
 * OO_NL_RECV_MAX. */
#define OO_NL_RECV_SIZE (64 * 1024)
#define OO_NL_RECV_MAX (16u << 20)
/* Room for one request we build (OO_NL_MSG_SIZE is not a constant). */
#define OO_NL_MSG_SIZE 8192

struct oo_nl {
    struct mnl_socket *sock;      /* NULL when closed */
    uint32_t portid;              /* our netlink port id */
    uint32_t seq;                 /* last sequence number used */
    char extack[OO_NL_EXTACK_MAX];/* kernel's message for the last request, or "" */
    void *rxbuf;                  /* receive buffer of rxcap bytes */
    size_t rxcap;                 /* OO_NL_RECV_SIZE, or more once a reply needed it */
    bool read_full;               /* a read of rxcap was made: the kernel now
                                   * sizes this socket's dump chunks at ~32 KiB */
};

/* Opens a socket of netlink family `bus` (NETLINK_GENERIC, NETLINK_ROUTE) with
 * NETLINK_EXT_ACK and NETLINK_CAP_ACK. Returns 0 or -errno. */
int oo_nl_open(struct oo_nl *nl, int bus);

/* Starts a request in buf (OO_NL_MSG_SIZE bytes): zeroes the whole buffer
 * first, because libmnl does not clear attribute padding and a request must
 * not carry stale bytes to the kernel. Returns the header. */
struct nlmsghdr *oo_nl_put_header(void *buf);

/* Closes the socket; safe on a zeroed or closed struct. */
void oo_nl_close(struct oo_nl *nl);

/* Sends the request in nlh (its sequence number and NLM_F_ACK are set here)
 * and calls cb for each reply message until the kernel's ack or the end of the
 * dump. cb follows libmnl's convention (MNL_CB_OK / STOP / ERROR with errno
 * set) and may be NULL. Returns 0 or -errno; on a kernel error nl->extack holds
 * the kernel's extended-ACK message, if it sent one. When cb fails, the rest of
 * the reply is still read (and dropped), so the socket stays usable.
 *
 * A reply message larger than the receive buffer is lost whole (netlink
 * delivers a datagram at once): the buffer then grows to hold it, the rest of
 * the reply is dropped, and -EMSGSIZE is returned. The caller drops what cb
 * collected and, for a read, repeats the request (oo_link_dump does). */
int oo_nl_transact(struct oo_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* oo_nl_transact() for a dump that is usually short. The kernel sizes each
 * chunk of a dump at the largest read it has seen on the socket, at least
 * NLMSG_GOODSIZE (just under a page), and zeroes it: after one read of
 * OO_NL_RECV_SIZE, every chunk of every later dump on the socket is a zeroed
 * 32 KiB allocation, even one that carries only the end marker. Here the
 * first OO_NL_SMALL_READS reads are page-sized, so short dumps cost a page
 * each; a dump that goes on is read with OO_NL_RECV_SIZE from there on. On a
 * socket that has once read with OO_NL_RECV_SIZE (->read_full), the chunks
 * stay large and every read is full-sized: short dumps want a socket of their
 * own.
 *
 * Only for dumps whose kernel side reports EMSGSIZE when one message does not
 * fit in a chunk (tc filters do; rtnetlink link dumps size their chunks
 * themselves and must use oo_nl_transact). Returns -EMSGSIZE then, and also
 * if a chunk ever came larger than the read (the rest of the reply is then
 * read and dropped): the caller drops what cb collected and repeats the
 * request with oo_nl_transact(). */
#define OO_NL_SMALL_READS 8
int oo_nl_dump_small(struct oo_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* One recv() of what the socket holds into nl->rxbuf (nl->rxcap bytes,
 * MSG_DONTWAIT), for callers that read the socket themselves (batches,
 * notifications). Marks the socket ->read_full. Returns recv()'s result. */
ssize_t oo_nl_recv_nowait(struct oo_nl *nl);

/* Pure: decodes an NLMSG_ERROR (or an NLMSG_DONE of a failed dump) message.
 * Returns the error as a negative errno (0 for an ACK) and copies the
 * extended-ACK message, if any, into msg (always NUL-terminated). Returns
 * -EBADMSG if the message is malformed. */
int oo_nl_parse_error(const struct nlmsghdr *nlh, char *msg, size_t msg_size);

/* "<strerror>" or "<strerror>: <extack>" for the last error on nl, in buf. */
const char *oo_nl_strerror(const struct oo_nl *nl, int err, char *buf, size_t buf_size);

#endif
