/*
 * ra-ssh server, before user authentication (AttestationPreauth yes): the
 * "ra-ssh-attestation" service in the unprivileged pre-auth child
 * (sshd-auth).  The child only relays: it takes the nonce out of the
 * client's token request, asks the monitor for evidence bound to it
 * (the monitor computes the binding from its own session id and opens the
 * provider), and sends the monitor's items back.  No attestation library
 * here, only sshbuf code: the unauthenticated peer reaches nothing else.
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

/*
 * The token request (ra_ssh_msg.c's layout): version, nonce, accepted
 * types.  Every length is checked before use.
 */
static int
ra_preauth_parse(struct sshbuf *b, u_int *version, u_char *nonce,
    char **kinds)
{
	const u_char *p;
	size_t len;
	int r;

	*kinds = NULL;
	if (sshbuf_len(b) > RA_SSH_MAX_REQUEST)
		return SSH_ERR_MESSAGE_INCOMPLETE;
	if ((r = sshbuf_get_u32(b, version)) != 0 ||
	    (r = sshbuf_get_string_direct(b, &p, &len)) != 0)
		return r;
	if (len != RA_SSH_NONCE_LEN)
		return SSH_ERR_INVALID_FORMAT;
	memcpy(nonce, p, len);
	if ((r = sshbuf_get_cstring(b, kinds, &len)) != 0)
		return r;
	if (len > RA_SSH_MAX_KINDS_LEN || sshbuf_len(b) != 0) {
		free(*kinds);
		*kinds = NULL;
		return SSH_ERR_INVALID_FORMAT;
	}
	return 0;
}

/* type is one of the names in the comma-separated list kinds. */
static int
ra_preauth_listed(const char *type, const char *kinds)
{
	size_t n = strlen(type);
	const char *p, *e;

	for (p = kinds; n > 0 && *p != '\0'; p = *e == ',' ? e + 1 : e) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) == n && strncmp(p, type, n) == 0)
			return 1;
	}
	return 0;
}

/*
 * The response: version, status, then the monitor's items (u32 count,
 * string type, string data) that the client accepts, or a reason.
 */
static int
ra_preauth_put_response(struct sshbuf *resp, u_int status, const char *why,
    struct sshbuf *items, const char *kinds, u_int *nsent)
{
	struct sshbuf *keep;
	const u_char *data;
	char *type = NULL;
	size_t len;
	u_int i, n;
	int r;

	*nsent = 0;
	if ((r = sshbuf_put_u32(resp, RA_SSH_PROTO_VERSION)) != 0 ||
	    (r = sshbuf_put_u32(resp, status)) != 0)
		return r;
	if (status != RA_SSH_STATUS_OK)
		return sshbuf_put_cstring(resp, why);
	if ((keep = sshbuf_new()) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	if ((r = sshbuf_get_u32(items, &n)) != 0)
		goto out;
	if (n > RA_SSH_MAX_ITEMS) {
		r = SSH_ERR_INVALID_FORMAT;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = sshbuf_get_cstring(items, &type, NULL)) != 0 ||
		    (r = sshbuf_get_string_direct(items, &data, &len)) != 0)
			goto out;
		if (strcmp(type, RA_SSH_ITEM_SERVICE_ERROR) == 0 ||
		    ra_preauth_listed(type, kinds)) {
			if ((r = sshbuf_put_cstring(keep, type)) != 0 ||
			    (r = sshbuf_put_string(keep, data, len)) != 0)
				goto out;
			(*nsent)++;
		}
		free(type);
		type = NULL;
	}
	if ((r = sshbuf_put_u32(resp, *nsent)) != 0 ||
	    (r = sshbuf_putb(resp, keep)) != 0)
		goto out;
	r = sshbuf_len(resp) > RA_SSH_MAX_RESPONSE ?
	    SSH_ERR_NO_BUFFER_SPACE : 0;
 out:
	free(type);
	sshbuf_free(keep);
	return r;
}

static int
ra_preauth_input_token_request(int type, u_int32_t seq, struct ssh *ssh)
{
	struct sshbuf *b = NULL, *items = NULL, *resp = NULL;
	struct sshkey *hostkey;
	u_char nonce[RA_SSH_NONCE_LEN];
	char *kinds = NULL;
	const u_char *p;
	size_t len;
	u_int version, status = RA_SSH_STATUS_OK, nsent;
	const char *why = "";
	int r, st;

	/* One per connection before authentication; the monitor agrees */
	if (ra_preauth_answered++)
		ssh_packet_disconnect(ssh, "too many attestation requests");
	if ((p = sshpkt_ptr(ssh, &len)) == NULL ||
	    (b = sshbuf_from(p, len)) == NULL ||
	    (items = sshbuf_new()) == NULL || (resp = sshbuf_new()) == NULL)
		fatal_f("sshbuf_new failed");
	if ((r = ra_preauth_parse(b, &version, nonce, &kinds)) != 0)
		ssh_packet_disconnect(ssh, "malformed attestation token "
		    "request: %s", ssh_err(r));
	if (version != RA_SSH_PROTO_VERSION) {
		status = RA_SSH_STATUS_UNSUPPORTED;
		why = "unsupported protocol version";
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
		    ra_preauth_listed(RA_SSH_ITEM_CACHED_BINDING, kinds))
			st = mm_ra_cached_evidence(hostkey, items);
		else
			st = mm_ra_evidence(nonce, sizeof(nonce), hostkey,
			    items);
		if (st != RA_COLLECT_OK) {
			status = RA_SSH_STATUS_FAILED;
			why = st == RA_COLLECT_BUSY ? "too many attestations "
			    "in progress on this server, try again later" :
			    st == RA_COLLECT_TIMEOUT ?
			    "evidence provider timed out" :
			    "evidence provider failed";
		}
	}
	if ((r = ra_preauth_put_response(resp, status, why, items, kinds,
	    &nsent)) != 0)
		fatal_fr(r, "assemble response");
	if ((r = sshpkt_start(ssh, SSH2_MSG_RA_TOKEN_RESPONSE)) != 0 ||
	    (r = sshpkt_putb(ssh, resp)) != 0 ||
	    (r = sshpkt_send(ssh)) != 0)
		goto out;
	if (status == RA_SSH_STATUS_OK)
		verbose("ra-ssh: attestation before authentication for %s: "
		    "sent %u item(s)", ssh_remote_ipaddr(ssh), nsent);
	r = 0;
 out:
	explicit_bzero(nonce, sizeof(nonce));
	free(kinds);
	sshbuf_free(b);
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
	if (ra_preauth_accepted)
		ssh_packet_disconnect(ssh, "repeated attestation service "
		    "request");
	ra_preauth_accepted = 1;
	if ((r = sshpkt_start(ssh, SSH2_MSG_SERVICE_ACCEPT)) != 0 ||
	    (r = sshpkt_put_cstring(ssh, RA_SSH_SERVICE)) != 0 ||
	    (r = sshpkt_send(ssh)) != 0)
		sshpkt_fatal(ssh, r, "%s", __func__);
	ssh_dispatch_set(ssh, SSH2_MSG_RA_TOKEN_REQUEST,
	    &ra_preauth_input_token_request);
	debug("ra-ssh: service accepted before authentication");
	return 0;
}
