/*
 * ra-ssh server before user authentication (ra_ssh_preauth.c): linked into
 * the pre-auth child, which links no attestation library.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */
#ifndef RA_SSH_PREAUTH_H
#define RA_SSH_PREAUTH_H

struct ssh;
int	ra_preauth_service_request(struct ssh *, const char *);

#endif /* RA_SSH_PREAUTH_H */
