/*
 * ra-ssh server: the "ra-ssh-attestation" service.  The unprivileged
 * post-auth child parses the client's token request and asks the
 * privileged monitor for evidence; the monitor computes the binding from
 * its own copy of the session id and calls the attestation library.
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

#include "ra_attest.h"

extern ServerOptions options;

static int ra_service_accepted;
static int ra_requests;

static int
ra_send_response(struct ssh *ssh, struct sshbuf *payload)
{
	int r;

	if ((r = sshpkt_start(ssh, SSH2_MSG_RA_TOKEN_RESPONSE)) != 0 ||
	    (r = sshpkt_putb(ssh, payload)) != 0 ||
	    (r = sshpkt_send(ssh)) != 0)
		return r;
	return 0;
}

static int
ra_input_token_request(int type, u_int32_t seq, struct ssh *ssh)
{
	struct ra_token_request req;
	struct sshbuf *b = NULL, *evidence = NULL, *resp = NULL;
	struct sshkey *hostkey;
	const u_char *p;
	size_t len;
	int r;

	if (++ra_requests > RA_SSH_MAX_REQUESTS)
		ssh_packet_disconnect(ssh, "too many attestation requests");
	if ((p = sshpkt_ptr(ssh, &len)) == NULL ||
	    (b = sshbuf_from(p, len)) == NULL ||
	    (resp = sshbuf_new()) == NULL)
		fatal_f("sshbuf_new failed");
	if ((r = ra_token_request_parse(b, &req)) != 0)
		ssh_packet_disconnect(ssh, "malformed attestation token "
		    "request: %s", ssh_err(r));
	if (req.version != RA_SSH_PROTO_VERSION) {
		verbose("ra-ssh: token request version %u unsupported",
		    req.version);
		if ((r = ra_token_response_put_status(resp,
		    RA_SSH_STATUS_UNSUPPORTED,
		    "unsupported protocol version")) != 0)
			goto out;
		r = ra_send_response(ssh, resp);
		goto out;
	}

	/* The host key this session's key exchange was signed with. */
	hostkey = get_hostkey_public_by_type(ssh->kex->hostkey_type,
	    ssh->kex->hostkey_nid, ssh);
	if (hostkey == NULL)
		fatal_f("no public host key for this session");

	if ((evidence = sshbuf_new()) == NULL)
		fatal_f("sshbuf_new failed");
	if (mm_ra_evidence(req.nonce, sizeof(req.nonce), hostkey,
	    evidence) != 0) {
		/* Details are in the monitor's log, not for the client */
		r = ra_token_response_put_status(resp, RA_SSH_STATUS_FAILED,
		    "evidence provider failed");
	} else
		r = ra_token_response_put_items(resp, evidence, req.kinds);
	if (r != 0 || (r = ra_send_response(ssh, resp)) != 0)
		goto out;
	verbose("ra-ssh: answered attestation request");
	r = 0;
 out:
	ra_token_request_free(&req);
	sshbuf_free(b);
	sshbuf_free(resp);
	sshbuf_free(evidence);
	return r;
}

/*
 * SSH2_MSG_SERVICE_REQUEST after authentication.  Only our service is
 * known there; anything else (and our service when no provider is
 * configured) gets the same UNIMPLEMENTED reply stock sshd gives.
 */
int
ra_server_input_service_request(int type, u_int32_t seq, struct ssh *ssh)
{
	char *service = NULL;
	int r;

	if ((r = sshpkt_get_cstring(ssh, &service, NULL)) != 0 ||
	    (r = sshpkt_get_end(ssh)) != 0)
		goto out;
	if (strcmp(service, RA_SSH_SERVICE) != 0 ||
	    strcmp(options.attestation_provider, "none") == 0) {
		debug("ra-ssh: refusing service request \"%.100s\"", service);
		r = dispatch_protocol_error(type, seq, ssh);
		goto out;
	}
	if (ra_service_accepted)
		ssh_packet_disconnect(ssh, "repeated attestation service "
		    "request");
	ra_service_accepted = 1;
	if ((r = sshpkt_start(ssh, SSH2_MSG_SERVICE_ACCEPT)) != 0 ||
	    (r = sshpkt_put_cstring(ssh, RA_SSH_SERVICE)) != 0 ||
	    (r = sshpkt_send(ssh)) != 0)
		goto out;
	ssh_dispatch_set(ssh, SSH2_MSG_RA_TOKEN_REQUEST,
	    &ra_input_token_request);
	debug("ra-ssh: service accepted");
	r = 0;
 out:
	free(service);
	return r;
}

/*
 * Every key exchange resets the transport-range handlers (1-49), so after
 * a rekey SERVICE_REQUEST would be a protocol error again.  Before each
 * packet, outside a key exchange, make sure its handler is there.
 */
static int
ra_server_input_hook(struct ssh *ssh, struct sshbuf *packet, u_char *typep,
    void *ctx)
{
	if (!ssh_packet_is_rekeying(ssh))
		ssh_dispatch_set(ssh, SSH2_MSG_SERVICE_REQUEST,
		    &ra_server_input_service_request);
	return 0;
}

/* Post-auth dispatch: the attestation service. */
void
ra_server_init_dispatch(struct ssh *ssh)
{
	ssh_dispatch_set(ssh, SSH2_MSG_SERVICE_REQUEST,
	    &ra_server_input_service_request);
	ssh_packet_set_input_hook(ssh, &ra_server_input_hook, NULL);
}

/*
 * Monitor side.  The provider is opened once per connection, on the first
 * request: that is after the session child was forked, so the unprivileged
 * child never holds a copy of the provider's state (the sim's keys).
 */
static struct ra_provider *ra_provider;

int
ra_monitor_collect(const char *spec, const u_char *sid, size_t sidlen,
    const u_char *nonce, size_t noncelen, const struct sshkey *hostkey,
    struct sshbuf *out)
{
	struct ra_evidence *ev = NULL;
	u_char binding[RA_SSH_BINDING_LEN];
	char err[512], *libspec;
	const char *etype;
	const uint8_t *data;
	size_t i, n, len;
	int r, ret = -1;

	if (strcmp(spec, "none") == 0) {
		error_f("no AttestationProvider configured");
		return -1;
	}
	if ((r = ra_ssh_binding(sid, sidlen, nonce, noncelen, hostkey,
	    binding)) != 0) {
		error_fr(r, "binding");
		return -1;
	}
	if (ra_provider == NULL) {
		if ((libspec = ra_provider_libspec(spec,
		    options.trustauthority_cli_path, options.attestation_service,
		    options.attestation_service_ca, err, sizeof(err))) == NULL) {
			error("ra-ssh: AttestationProvider %s: %s", spec, err);
			goto out;
		}
		r = ra_provider_open(libspec, &ra_provider, err, sizeof(err));
		free(libspec);
		if (r != RA_OK) {
			error("ra-ssh: AttestationProvider %s: %s", spec, err);
			goto out;
		}
		debug_f("AttestationProvider %s open", spec);
	}
	if ((ev = ra_evidence_new()) == NULL)
		fatal_f("ra_evidence_new failed");
	if (ra_provider_collect(ra_provider, binding, ev,
	    err, sizeof(err)) != RA_OK) {
		error("ra-ssh: AttestationProvider %s: %s", spec, err);
		goto out;
	}
	n = ra_evidence_count(ev);
	if (n > RA_SSH_MAX_ITEMS) {
		error_f("provider returned %zu items", n);
		goto out;
	}
	if ((r = sshbuf_put_u32(out, (u_int)n)) != 0)
		fatal_fr(r, "assemble");
	for (i = 0; i < n; i++) {
		if (ra_evidence_get(ev, i, &etype, &data, &len) != RA_OK)
			fatal_f("ra_evidence_get %zu", i);
		if ((r = sshbuf_put_cstring(out, etype)) != 0 ||
		    (r = sshbuf_put_string(out, data, len)) != 0)
			fatal_fr(r, "assemble");
	}
	/* The response adds its version and status words: 8 bytes */
	if (sshbuf_len(out) > RA_SSH_MAX_RESPONSE - 8) {
		error_f("evidence of %zu bytes exceeds the response limit",
		    sshbuf_len(out));
		goto out;
	}
	debug_f("produced %zu evidence items", n);
	ret = 0;
 out:
	explicit_bzero(binding, sizeof(binding));
	ra_evidence_free(ev);
	return ret;
}
