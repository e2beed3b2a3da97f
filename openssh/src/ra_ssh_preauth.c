/*
 * ra-ssh server, before user authentication (AttestationPreauth yes): the
 * "ra-ssh-attestation" service in the unprivileged pre-auth child
 * (sshd-auth).  The child only relays: it takes the nonce out of the
 * client's token request, asks the monitor for evidence bound to it
 * (the monitor computes the binding from its own session id and opens the
 * provider), and sends the monitor's items back.  No attestation library
 * here, only sshbuf code (ra_ssh_wire.c, shared with sshd-session): the
 * unauthenticated peer reaches nothing else.
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
#include "sshkey.h"
#include "packet.h"
#include "dispatch.h"
#include "kex.h"
#include "log.h"
#include "misc.h"
#include "ssherr.h"
#include "hostfile.h"
#include "auth.h"
#include "servconf.h"
#include "monitor_wrap.h"
#include "ra_ssh.h"
#include "ra_ssh_preauth.h"

extern ServerOptions options;

static int ra_preauth_accepted;
static int ra_preauth_answered;

static int
ra_preauth_input_token_request(int type, u_int32_t seq, struct ssh *ssh)
{
	struct ra_token_request req;
	struct sshbuf *items, *resp;
	struct sshkey *hostkey;
	char *sent;
	int r, st = RA_COLLECT_FAILED;

	/* One per connection before authentication; the monitor agrees */
	if (ra_preauth_answered++)
		ssh_packet_disconnect(ssh, "too many attestation requests");
	if ((items = sshbuf_new()) == NULL || (resp = sshbuf_new()) == NULL)
		fatal_f("sshbuf_new failed");
	ra_token_request_read(ssh, &req);
	if (req.version != RA_SSH_PROTO_VERSION) {
		r = ra_token_response_put_status(resp,
		    RA_SSH_STATUS_UNSUPPORTED, "unsupported protocol version");
	} else {
		hostkey = get_hostkey_public_by_type(ssh->kex->hostkey_type,
		    ssh->kex->hostkey_nid, ssh);
		if (hostkey == NULL)
			fatal_f("no public host key for this session");
		/*
		 * AttestationCache, for a client that says it accepts it;
		 * details are in the monitor's log, not for the client.
		 */
		if (options.attestation_cache > 0 &&
		    ra_name_in_list(RA_SSH_ITEM_CACHED_BINDING, req.kinds))
			st = mm_ra_cached_evidence(hostkey, items);
		else
			st = mm_ra_evidence(req.nonce, sizeof(req.nonce),
			    hostkey, items);
		r = st != RA_COLLECT_OK ? ra_token_response_put_status(resp,
		    RA_SSH_STATUS_FAILED, ra_collect_reason(st)) :
		    ra_token_response_put_items(resp, items, req.kinds);
	}
	if (r != 0)
		fatal_fr(r, "assemble response");
	if ((r = ra_send_response(ssh, resp)) == 0 && st == RA_COLLECT_OK) {
		sent = ra_token_response_types(resp);
		verbose("ra-ssh: attestation before authentication for %s: "
		    "sent %s", ssh_remote_ipaddr(ssh), sent);
		free(sent);
	}
	ra_token_request_free(&req);
	sshbuf_free(items);
	sshbuf_free(resp);
	return r;
}

/*
 * auth2.c's input_service_request, for our service before authentication.
 * Returns 0 when it answered (accepted), -1 when the request is to be
 * treated as stock sshd treats an unknown service (disconnect).
 */
int
ra_preauth_service_request(struct ssh *ssh, const char *service)
{
	int r;

	if (strcmp(service, RA_SSH_SERVICE) != 0 ||
	    !options.attestation_preauth ||
	    strcmp(options.attestation_provider, "none") == 0)
		return -1;
	if ((r = ra_service_accept(ssh, &ra_preauth_accepted,
	    &ra_preauth_input_token_request)) != 0)
		sshpkt_fatal(ssh, r, "%s", __func__);
	debug("ra-ssh: service accepted before authentication");
	return 0;
}
