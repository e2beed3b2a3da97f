/*
 * ra-ssh client: known attestations.  When the AttestationPolicy pins no
 * measurement of the server's software, remember what a verified server
 * measured in ~/.ssh/known_attestations, as known_hosts remembers host
 * keys, and refuse a later change (StrictAttestationChecking).  The file
 * format, its safety checks and the comparison live in the library
 * (ra_known.h); this file supplies ssh's view: the key the host is known
 * by, the option, and where messages go.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#include "includes.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmalloc.h"
#include "log.h"
#include "misc.h"
#include "ssh.h"
#include "readconf.h"
#include "ra_ssh_known.h"

#include "ra_attest.h"
#include "ra_known.h"

extern Options options;

/* Corrupt lines of other hosts: shown, never silently skipped. */
static void
ra_known_warn(void *ctx, const char *msg)
{
	(void)ctx;
	logit("Warning: %s", msg);
}

/* StrictAttestationChecking (SSH_STRICT_HOSTKEY_*) as the library's mode. */
static int
ra_known_mode(int strict)
{
	switch (strict) {
	case SSH_STRICT_HOSTKEY_OFF:
		return RA_KNOWN_CHECK_NO;
	case SSH_STRICT_HOSTKEY_NEW:
		return RA_KNOWN_CHECK_ACCEPT_NEW;
	default:
		return RA_KNOWN_CHECK_YES;	/* unknown: the safe end */
	}
}

/* The key check_host_key() would use for known_hosts. */
static void
ra_known_key(const char *host, const char **name, int *port)
{
	if (options.host_key_alias != NULL) {
		*name = options.host_key_alias;
		*port = 0;
	} else {
		*name = host;
		*port = options.port;
	}
}

int
ra_known_client_check(const struct ra_policy *pol,
    const struct ra_verdict *verdict, const char *host,
    char *reason, size_t reasonlen)
{
	struct ra_measurements *seen = NULL;
	const char *name;
	char *path;
	int port, mode, recorded = 0, r;

	mode = ra_known_mode(options.strict_attestation_checking);
	if (mode == RA_KNOWN_CHECK_NO) {
		debug_f("StrictAttestationChecking no: not consulted");
		return 0;
	}
	if (ra_policy_pins_measurements(pol)) {
		debug_f("the policy pins measurements: not consulted");
		return 0;
	}
	if (ra_measurements_from_verdict(verdict, &seen, reason,
	    reasonlen) != RA_OK)
		return -1;
	ra_known_key(host, &name, &port);
	if (seen == NULL) {
		/* A kind with no record yet (a token): nothing to compare */
		if (mode == RA_KNOWN_CHECK_YES) {
			snprintf(reason, reasonlen, "StrictAttestationChecking "
			    "yes, but the evidence of %s has no measurements "
			    "to check against known attestations", name);
			return -1;
		}
		logit("Warning: the evidence of %.200s has no measurements "
		    "to remember; relying on the AttestationPolicy alone.",
		    name);
		return 0;
	}
	path = tilde_expand_filename(options.known_attestations_file != NULL ?
	    options.known_attestations_file : RA_KNOWN_ATTESTATIONS_FILE,
	    getuid());
	r = ra_known_check(path, name, port, mode, options.hash_known_hosts,
	    seen, &recorded, ra_known_warn, NULL, reason, reasonlen);
	if (r == RA_OK && recorded)
		logit("Warning: Permanently added the measurements of "
		    "'%.200s' to %s.", name, path);
	else if (r == RA_OK)
		debug("ra-ssh: measurements of %s match %s", name, path);
	ra_measurements_free(seen);
	free(path);
	return r == RA_OK ? 0 : -1;
}
