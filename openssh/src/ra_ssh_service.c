/*
 * ra-ssh server, the packet side that sshd-session and the pre-auth child
 * sshd-auth share: reading the token request from the packet, sending the
 * response, the client's reason when the monitor collected nothing, and
 * accepting the service.  No attestation library (ra_ssh_wire.c has the
 * message codec).
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#include "includes.h"

#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"
#include "ssh2.h"
#include "sshbuf.h"
#include "packet.h"
#include "dispatch.h"
#include "log.h"
#include "ssherr.h"
#include "ra_ssh.h"

/* The token request in the packet being read; a malformed one disconnects. */
void
ra_token_request_read(struct ssh *ssh, struct ra_token_request *req)
{
	struct sshbuf *b;
	const u_char *p;
	size_t len;
	int r;

	if ((p = sshpkt_ptr(ssh, &len)) == NULL ||
	    (b = sshbuf_from(p, len)) == NULL)
		fatal_f("sshbuf_from failed");
	r = ra_token_request_parse(b, req);
	sshbuf_free(b);
	if (r != 0)
		ssh_packet_disconnect(ssh, "malformed attestation token "
		    "request: %s", ssh_err(r));
}

/* The types in a token response we built: "a,b" (or "none"). */
char *
ra_token_response_types(const struct sshbuf *resp)
{
	struct sshbuf *b;
	char *type = NULL, *list = NULL, *tmp;
	u_int i, n;

	if ((b = sshbuf_fromb((struct sshbuf *)resp)) == NULL)
		fatal_f("sshbuf_fromb failed");
	if (sshbuf_consume(b, 8) != 0 || sshbuf_get_u32(b, &n) != 0)
		n = 0;
	for (i = 0; i < n; i++) {
		if (sshbuf_get_cstring(b, &type, NULL) != 0 ||
		    sshbuf_skip_string(b) != 0)
			break;
		xasprintf(&tmp, "%s%s%s", list == NULL ? "" : list,
		    list == NULL ? "" : ",", type);
		free(list);
		free(type);
		list = tmp;
	}
	sshbuf_free(b);
	return list == NULL ? xstrdup("none") : list;
}

int
ra_send_response(struct ssh *ssh, struct sshbuf *payload)
{
	int r;

	if ((r = sshpkt_start(ssh, SSH2_MSG_RA_TOKEN_RESPONSE)) != 0 ||
	    (r = sshpkt_putb(ssh, payload)) != 0 ||
	    (r = sshpkt_send(ssh)) != 0)
		return r;
	return 0;
}

/* What the client is told when the monitor collected nothing. */
const char *
ra_collect_reason(int st)
{
	/* Details are in the monitor's log, not for the client */
	switch (st) {
	case RA_COLLECT_BUSY:
		return "too many attestations in progress on this server, "
		    "try again later";
	case RA_COLLECT_TIMEOUT:
		return "evidence provider timed out";
	default:
		return "evidence provider failed";
	}
}

/*
 * Accepts our service once per connection (*accepted remembers it; a
 * second request is a protocol violation) and installs handler for the
 * token request.
 */
int
ra_service_accept(struct ssh *ssh, int *accepted,
    int (*handler)(int, u_int32_t, struct ssh *))
{
	int r;

	if (*accepted)
		ssh_packet_disconnect(ssh, "repeated attestation service "
		    "request");
	*accepted = 1;
	if ((r = sshpkt_start(ssh, SSH2_MSG_SERVICE_ACCEPT)) != 0 ||
	    (r = sshpkt_put_cstring(ssh, RA_SSH_SERVICE)) != 0 ||
	    (r = sshpkt_send(ssh)) != 0)
		return r;
	ssh_dispatch_set(ssh, SSH2_MSG_RA_TOKEN_REQUEST, handler);
	return 0;
}
