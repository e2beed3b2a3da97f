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
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
#include "digest.h"
#include "ra_ssh.h"

#include "ra_attest.h"

extern ServerOptions options;
extern Authctxt *the_authctxt;

static int ra_service_accepted;
static struct ra_rate ra_requests;

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

static const char *
ra_user(void)
{
	if (the_authctxt == NULL || the_authctxt->user == NULL)
		return "(unknown)";
	return the_authctxt->user;
}

/* The types in a token response we built: "a,b" (or "none"). */
static char *
ra_sent_types(const struct sshbuf *resp)
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

static int
ra_input_token_request(int type, u_int32_t seq, struct ssh *ssh)
{
	struct ra_token_request req;
	struct sshbuf *b = NULL, *evidence = NULL, *resp = NULL;
	struct sshkey *hostkey;
	const u_char *p;
	char *sent;
	size_t len;
	int r, failed;

	if (!ra_rate_take(&ra_requests))
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
	if ((failed = mm_ra_evidence(req.nonce, sizeof(req.nonce), hostkey,
	    evidence)) != 0) {
		/* Details are in the monitor's log, not for the client */
		r = ra_token_response_put_status(resp, RA_SSH_STATUS_FAILED,
		    "evidence provider failed");
	} else
		r = ra_token_response_put_items(resp, evidence, req.kinds);
	if (r != 0 || (r = ra_send_response(ssh, resp)) != 0)
		goto out;
	/* One line per attestation served; a failure is the monitor's line */
	if (!failed) {
		sent = ra_sent_types(resp);
		logit("ra-ssh: attestation for user %s: sent %s", ra_user(),
		    sent);
		free(sent);
	}
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
	if (strcmp(service, RA_SSH_SERVICE) != 0) {
		debug("ra-ssh: refusing service request \"%.100s\"", service);
		r = dispatch_protocol_error(type, seq, ssh);
		goto out;
	}
	if (strcmp(options.attestation_provider, "none") == 0) {
		/* The reply stock sshd gives, with a line that says why */
		debug("ra-ssh: refusing service request \"%.100s\"", service);
		logit("ra-ssh: user %s asked for attestation but "
		    "AttestationProvider is none", ra_user());
		if ((r = sshpkt_start(ssh, SSH2_MSG_UNIMPLEMENTED)) != 0 ||
		    (r = sshpkt_put_u32(ssh, seq)) != 0 ||
		    (r = sshpkt_send(ssh)) != 0)
			sshpkt_fatal(ssh, r, "%s", __func__);
		r = 0;
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
	/*
	 * AttestationPreauth: the service may have been accepted on this
	 * connection before authentication, by the pre-auth process, and the
	 * client re-attests (AttestationInterval) without asking again.
	 */
	if (options.attestation_preauth &&
	    strcmp(options.attestation_provider, "none") != 0)
		ssh_dispatch_set(ssh, SSH2_MSG_RA_TOKEN_REQUEST,
		    &ra_input_token_request);
}

/*
 * Monitor side.  The provider is opened for each request and closed after
 * it, never held across the fork of the session child, so the unprivileged
 * child never holds a copy of the provider's state (the sim's keys).
 */
static struct ra_provider *ra_provider;

/*
 * An attestation-service outage is logged once per RA_SSH_OUTAGE_LOG_INTERVAL
 * per AttestationProvider, not once per connection: each connection is its
 * own process, so the last time is a file's mtime.  Where that file cannot
 * be kept (sshd not run as root), every occurrence is logged.
 */
static int
ra_outage_log_due(const char *spec)
{
	u_char d[SSH_DIGEST_MAX_LENGTH];
	char *hex, *path;
	struct stat st;
	int fd, due = 1;

	if (ssh_digest_memory(SSH_DIGEST_SHA256, spec, strlen(spec),
	    d, sizeof(d)) != 0 || (hex = tohex(d, 8)) == NULL)
		return 1;
	xasprintf(&path, "%s/outage-%s", RA_SSH_STATE_DIR, hex);
	free(hex);
	if (mkdir(RA_SSH_STATE_DIR, 0700) == -1 && errno != EEXIST)
		goto out;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1)
		goto out;
	if (fstat(fd, &st) == 0 && st.st_size != 0 &&
	    st.st_mtime <= time(NULL) &&
	    time(NULL) - st.st_mtime < RA_SSH_OUTAGE_LOG_INTERVAL)
		due = 0;
	else if (ftruncate(fd, 0) != 0 || write(fd, "x", 1) != 1)
		due = 1;	/* could not record it: log anyway */
	close(fd);
 out:
	free(path);
	return due;
}

static void
ra_log_service_error(const char *spec, const uint8_t *data, size_t len)
{
	char why[RA_SSH_MAX_REASON_LEN + 1];
	size_t i;

	len = MINIMUM(len, sizeof(why) - 1);
	for (i = 0; i < len; i++)
		why[i] = isprint(data[i]) ? (char)data[i] : '?';
	why[len] = '\0';
	if (ra_outage_log_due(spec))
		error("ra-ssh: AttestationProvider %s: %s; sending the "
		    "evidence without a token (logged once per %d s)",
		    spec, why, RA_SSH_OUTAGE_LOG_INTERVAL);
	else
		debug("ra-ssh: AttestationProvider %s: %s", spec, why);
}

int
ra_monitor_collect(const char *spec, const u_char *sid, size_t sidlen,
    const u_char *nonce, size_t noncelen, const struct sshkey *hostkey,
    struct sshbuf *out)
{
	struct ra_evidence *ev = NULL;
	u_char binding[RA_SSH_BINDING_LEN];
	char err[512], *libspec;
	const char *etype, *why;
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
		    options.attestation_service_ca, &why)) == NULL) {
			error("ra-ssh: AttestationProvider %s: %s; attestation "
			    "for user %s failed", spec, why, ra_user());
			goto out;
		}
		r = ra_provider_open(libspec, &ra_provider, err, sizeof(err));
		free(libspec);
		if (r != RA_OK) {
			error("ra-ssh: AttestationProvider %s: %s; attestation "
			    "for user %s failed", spec, err, ra_user());
			goto out;
		}
		debug_f("AttestationProvider %s open", spec);
	}
	if ((ev = ra_evidence_new()) == NULL)
		fatal_f("ra_evidence_new failed");
	if (ra_provider_collect(ra_provider, binding, ev,
	    err, sizeof(err)) != RA_OK) {
		error("ra-ssh: AttestationProvider %s: %s; attestation "
		    "for user %s failed", spec, err, ra_user());
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
		if (strcmp(etype, RA_SSH_ITEM_SERVICE_ERROR) == 0)
			ra_log_service_error(spec, data, len);
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
	/*
	 * Open per request, closed after it: a repeated request
	 * (AttestationInterval) reports the machine as it is now (changed
	 * provider state shows), and a request answered before
	 * authentication (AttestationPreauth) leaves no provider state for
	 * the session child forked later to inherit.
	 */
	ra_provider_free(ra_provider);
	ra_provider = NULL;
	explicit_bzero(binding, sizeof(binding));
	ra_evidence_free(ev);
	return ret;
}
