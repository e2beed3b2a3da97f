/*
 * ra-ssh: code shared by ssh, sshd and sshd-session (not sshd-auth, which
 * links no attestation code: see ra_ssh_conf.c).
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#include "includes.h"

#include <sys/types.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"
#include "sshbuf.h"
#include "sshkey.h"
#include "digest.h"
#include "ssherr.h"
#include "log.h"
#include "misc.h"
#include "ra_ssh.h"

#include "ra_attest.h"

/*
 * Syntax check of an AttestationProvider value.  Opening the provider
 * (which reads keys and device files) happens in the monitor, which is
 * the only process allowed to; this check lets every process that parses
 * sshd_config refuse a typo.  The library knows the providers; sshd-auth,
 * which links none of it, checks through ra_ssh_conf.c's hook, which the
 * programs that link this file set before main() runs.
 */
static int
ra_provider_spec_lib_valid(const char *spec)
{
	char *libspec = NULL;
	int r;

	if (strcmp(spec, "none") == 0)
		return 1;
	r = ra_provider_spec_compose(spec, NULL, NULL, NULL, &libspec,
	    NULL, 0);
	free(libspec);
	return r == RA_OK;
}

#ifndef _PATH_SSH_ATTEST_HELPER
#define _PATH_SSH_ATTEST_HELPER "/usr/libexec/ssh-attest-helper"
#endif

/*
 * The library runs libexec/ssh-attest-helper for network fetches and the
 * tpm2-tss providers, so that ssh and sshd-session load neither libcurl
 * nor tpm2-tss; SSH_ATTEST_HELPER overrides the path, as SSH_SK_HELPER.
 */
__attribute__((constructor)) static void
ra_provider_spec_hook_init(void)
{
	ra_provider_spec_hook = ra_provider_spec_lib_valid;
	ra_helper_path_set(_PATH_SSH_ATTEST_HELPER);
}

/* SHA-512 of b into binding unless filling b failed (r); frees b. */
static int
digest_and_free(struct sshbuf *b, int r, u_char binding[RA_SSH_BINDING_LEN])
{
	if (r == 0)
		r = ssh_digest_buffer(SSH_DIGEST_SHA512, b, binding,
		    RA_SSH_BINDING_LEN);
	sshbuf_free(b);
	return r;
}

/*
 * The value the hardware report must carry: SHA-512 over a label, the
 * session id (exchange hash of the first kex, signed by the host key),
 * the client's nonce and the host key, each as an SSH string.
 */
int
ra_ssh_binding(const u_char *sid, size_t sidlen, const u_char *nonce,
    size_t noncelen, const struct sshkey *hostkey,
    u_char binding[RA_SSH_BINDING_LEN])
{
	struct sshbuf *b;
	int r;

	if (sid == NULL || sidlen == 0 || noncelen != RA_SSH_NONCE_LEN ||
	    hostkey == NULL)
		return SSH_ERR_INVALID_ARGUMENT;
	if ((b = sshbuf_new()) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	if ((r = sshbuf_put(b, RA_SSH_BINDING_LABEL,
	    strlen(RA_SSH_BINDING_LABEL))) == 0 &&
	    (r = sshbuf_put_string(b, sid, sidlen)) == 0 &&
	    (r = sshbuf_put_string(b, nonce, noncelen)) == 0)
		r = sshkey_puts(hostkey, b);
	return digest_and_free(b, r, binding);
}

/*
 * AttestationCache: evidence made once per host key and period, bound to
 *
 *	SHA-512("ra-ssh-cached-v1" || string(server host key) ||
 *	    uint64(made_at) || string(random))
 *
 * A different label from the per-session binding, so neither can stand
 * for the other.  Per-connection freshness is the host key's signature
 * over the exchange hash (docs/design.md, "Cached evidence").
 */
int
ra_ssh_cached_binding(const struct sshkey *hostkey, uint64_t made_at,
    const u_char *rnd, size_t rndlen, u_char binding[RA_SSH_BINDING_LEN])
{
	struct sshbuf *b;
	int r;

	if (hostkey == NULL || rndlen != RA_SSH_NONCE_LEN)
		return SSH_ERR_INVALID_ARGUMENT;
	if ((b = sshbuf_new()) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	if ((r = sshbuf_put(b, RA_SSH_CACHED_LABEL,
	    strlen(RA_SSH_CACHED_LABEL))) == 0 &&
	    (r = sshkey_puts(hostkey, b)) == 0 &&
	    (r = sshbuf_put_u64(b, made_at)) == 0)
		r = sshbuf_put_string(b, rnd, rndlen);
	return digest_and_free(b, r, binding);
}

/*
 * The attestation library's provider spec for sshd_config's
 * AttestationProvider with TrustauthorityCliPath, AttestationService and
 * AttestationServiceCA (servconf refuses ';' in them, so they cannot add
 * options).  NULL, with the reason in why (whylen bytes), when they do not
 * fit together.
 */
char *
ra_provider_libspec(const char *provider, const char *cli_path,
    const char *service, const char *service_ca, char *why, size_t whylen)
{
	char *spec = NULL;

	if (ra_provider_spec_compose(provider, cli_path, service, service_ca,
	    &spec, why, whylen) != RA_OK)
		return NULL;
	return spec;
}

/*
 * Open the configured provider once in sshd (and sshd -t), so a missing sim
 * directory, TSM interface, vTPM or CLI is reported at start-up, not to
 * clients.
 */
void
ra_provider_check(const char *provider, const char *cli_path,
    const char *service, const char *service_ca)
{
	struct ra_provider *p = NULL;
	char err[512], *spec;

	if (strcmp(provider, "none") == 0) {
		if (service != NULL && strcmp(service, "none") != 0)
			fatal("AttestationService without AttestationProvider");
		return;
	}
	if ((spec = ra_provider_libspec(provider, cli_path, service,
	    service_ca, err, sizeof(err))) == NULL)
		fatal("AttestationProvider %s: %s", provider, err);
	if (ra_provider_open(spec, &p, err, sizeof(err)) != RA_OK)
		fatal("AttestationProvider %s: %s", provider, err);
	ra_provider_free(p);
	free(spec);
}

/*
 * One token request allowed?  A bucket of RA_SSH_MAX_REQUESTS, one more
 * every RA_SSH_REQUEST_REFILL seconds: a session can re-attest for as long
 * as it lives, a client cannot make the provider work flat out.
 */
int
ra_rate_take(struct ra_rate *rate)
{
	double now = monotime_double();

	if (rate->last == 0)
		rate->tokens = RA_SSH_MAX_REQUESTS;
	else if (now > rate->last) {
		rate->tokens += (now - rate->last) / RA_SSH_REQUEST_REFILL;
		if (rate->tokens > RA_SSH_MAX_REQUESTS)
			rate->tokens = RA_SSH_MAX_REQUESTS;
	}
	rate->last = now;
	if (rate->tokens < 1)
		return 0;
	rate->tokens -= 1;
	return 1;
}
