/*
 * ra-ssh wire messages: the token request (248) and token response (249)
 * payloads, encoded and parsed on plain sshbufs so the same code serves
 * ssh, sshd and the fuzzers.  Parsers bound every length before use and
 * refuse trailing data.  This file has the client's side (the response
 * parser adds items to the attestation library's evidence); the server's
 * side, which needs no library, is ra_ssh_wire.c.
 *
 *	token request:	uint32	version (1)
 *			string	nonce (32 bytes)
 *			string	accepted evidence types (name-list)
 *	token response:	uint32	version (1)
 *			uint32	status (0 ok)
 *			if ok:	uint32	item count (<= 16)
 *				{ string type, string data } * count
 *			else:	string	reason
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

#include "sshbuf.h"
#include "ssherr.h"
#include "ra_ssh.h"

#include "ra_attest.h"

int
ra_token_request_put(struct sshbuf *b, const u_char *nonce, size_t noncelen,
    const char *kinds)
{
	int r;

	if (noncelen != RA_SSH_NONCE_LEN ||
	    strlen(kinds) > RA_SSH_MAX_KINDS_LEN)
		return SSH_ERR_INVALID_ARGUMENT;
	if ((r = sshbuf_put_u32(b, RA_SSH_PROTO_VERSION)) != 0 ||
	    (r = sshbuf_put_string(b, nonce, noncelen)) != 0 ||
	    (r = sshbuf_put_cstring(b, kinds)) != 0)
		return r;
	return 0;
}

static void
ra_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
ra_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list args;

	if (errlen == 0)
		return;
	va_start(args, fmt);
	vsnprintf(err, errlen, fmt, args);
	va_end(args);
}

/*
 * Parses a token response into ev.  Returns 0 with *status set; for a
 * non-zero status *reason holds the server's (untrusted) explanation,
 * truncated to RA_SSH_MAX_REASON_LEN.  Returns -1 with err set when the
 * message is malformed or exceeds a limit.
 */
int
ra_token_response_parse(struct sshbuf *b, u_int *status, char **reason,
    struct ra_evidence *ev, char *err, size_t errlen)
{
	const u_char *data;
	char *type = NULL, aerr[256];
	size_t len, dlen;
	u_int version, nitems, i;
	int r;

	*status = RA_SSH_STATUS_FAILED;
	*reason = NULL;
	if (sshbuf_len(b) > RA_SSH_MAX_RESPONSE) {
		ra_seterr(err, errlen, "token response too large (%zu bytes)",
		    sshbuf_len(b));
		return -1;
	}
	if ((r = sshbuf_get_u32(b, &version)) != 0 ||
	    (r = sshbuf_get_u32(b, status)) != 0) {
		ra_seterr(err, errlen, "malformed token response: %s",
		    ssh_err(r));
		return -1;
	}
	if (version != RA_SSH_PROTO_VERSION) {
		ra_seterr(err, errlen, "token response version %u unsupported",
		    version);
		return -1;
	}
	if (*status != RA_SSH_STATUS_OK) {
		if ((r = sshbuf_get_cstring(b, reason, &len)) != 0 ||
		    sshbuf_len(b) != 0) {
			free(*reason);
			*reason = NULL;
			ra_seterr(err, errlen, "malformed token response: %s",
			    r != 0 ? ssh_err(r) : "trailing data");
			return -1;
		}
		if (len > RA_SSH_MAX_REASON_LEN)
			(*reason)[RA_SSH_MAX_REASON_LEN] = '\0';
		return 0;
	}
	if ((r = sshbuf_get_u32(b, &nitems)) != 0) {
		ra_seterr(err, errlen, "malformed token response: %s",
		    ssh_err(r));
		return -1;
	}
	if (nitems > RA_SSH_MAX_ITEMS) {
		ra_seterr(err, errlen, "token response has %u evidence items "
		    "(max %d)", nitems, RA_SSH_MAX_ITEMS);
		return -1;
	}
	for (i = 0; i < nitems; i++) {
		if ((r = sshbuf_get_cstring(b, &type, &len)) != 0 ||
		    (r = sshbuf_get_string_direct(b, &data, &dlen)) != 0) {
			ra_seterr(err, errlen, "malformed evidence item %u: %s",
			    i, ssh_err(r));
			goto fail;
		}
		if (len == 0 || len > RA_SSH_MAX_TYPE_LEN) {
			ra_seterr(err, errlen, "evidence item %u: bad type "
			    "length %zu", i, len);
			goto fail;
		}
		if (ra_evidence_add(ev, type, data, dlen,
		    aerr, sizeof(aerr)) != RA_OK) {
			ra_seterr(err, errlen, "evidence item %u: %s", i, aerr);
			goto fail;
		}
		free(type);
		type = NULL;
	}
	if (sshbuf_len(b) != 0) {
		ra_seterr(err, errlen, "trailing data in token response");
		return -1;
	}
	return 0;
 fail:
	free(type);
	return -1;
}

/*
 * The "ra-ssh-cached-binding" item of an AttestationCache answer: uint64
 * made_at (the server's clock), then the random value, nothing else.
 */
int
ra_cached_inputs_parse(const u_char *data, size_t len, uint64_t *made_at,
    u_char rnd[RA_SSH_NONCE_LEN])
{
	if (data == NULL || len != RA_SSH_CACHED_BINDING_LEN)
		return SSH_ERR_INVALID_FORMAT;
	*made_at = PEEK_U64(data);
	memcpy(rnd, data + 8, RA_SSH_NONCE_LEN);
	return 0;
}
