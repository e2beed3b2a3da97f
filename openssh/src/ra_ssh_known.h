/*
 * ra-ssh client: known attestations, trust on first use of a server's
 * measurements (ra_ssh_known.c; library side: ra_known.h).
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */
#ifndef RA_SSH_KNOWN_H
#define RA_SSH_KNOWN_H

#define RA_KNOWN_ATTESTATIONS_FILE	"~/.ssh/known_attestations"

struct ra_policy;
struct ra_verdict;

/*
 * After ra_verify_verdict() accepted the evidence under pol (verdict: what
 * it verified, the claims recorded from): consult KnownAttestationsFile
 * per StrictAttestationChecking, recording an unknown host (accept-new).
 * Not consulted when pol pins measurements.  host: as given to
 * ra_client_attest() (the canonical host name; HostKeyAlias and Port are
 * taken from options).  Returns 0 to go on, -1 to refuse with the reason
 * in reason (RA_KNOWN_ERRLEN bytes hold any).
 */
int	ra_known_client_check(const struct ra_policy *pol,
	    const struct ra_verdict *verdict, const char *host,
	    char *reason, size_t reasonlen);

#endif /* RA_SSH_KNOWN_H */
