/*
 * libFuzzer target: the ra-ssh wire decoders of openssh/src/ra_ssh_msg.c
 * on hostile bytes.  The same input is fed to
 *
 *	ra_token_request_parse	(what sshd does with message 248)
 *	ra_token_response_parse	(what ssh does with message 249)
 *	ra_token_response_put_items (the server's filter over the monitor's
 *				 item list; its output must then parse)
 *	ra_cached_inputs_parse	(the ra-ssh-cached-binding item ssh reads)
 *
 * and the encoders are cross-checked: a request that parses re-encodes to
 * one that parses the same.  Built by scripts/fuzz.sh against the generated tree
 * build/openssh/src (ra_ssh_msg.c, ra_ssh_wire.c and the sshbuf code compiled with clang
 * and sanitizers, the rest from libssh.a / libopenbsd-compat.a).
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#include "includes.h"

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sshbuf.h"
#include "ssherr.h"
#include "ra_ssh.h"

#include "ra_attest.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct sshbuf *
frombytes(const uint8_t *data, size_t size)
{
	struct sshbuf *b;

	if ((b = sshbuf_new()) == NULL || sshbuf_put(b, data, size) != 0)
		abort();
	return b;
}

static void
fuzz_request(const uint8_t *data, size_t size)
{
	struct ra_token_request req, req2;
	struct sshbuf *b = frombytes(data, size), *enc;
	int r;

	r = ra_token_request_parse(b, &req);
	if (r == 0 && req.version == RA_SSH_PROTO_VERSION) {
		if (req.kinds == NULL || strlen(req.kinds) > RA_SSH_MAX_KINDS_LEN)
			abort();
		/*
		 * Round trip: what parsed re-encodes to something that parses
		 * to the same request.  (Not byte for byte: upstream's
		 * sshbuf_get_cstring accepts one trailing NUL inside the
		 * string, which the re-encoding drops.)
		 */
		if ((enc = sshbuf_new()) == NULL ||
		    ra_token_request_put(enc, req.nonce, sizeof(req.nonce),
		    req.kinds) != 0)
			abort();
		if (sshbuf_len(enc) != size && (sshbuf_len(enc) + 1 != size ||
		    data[size - 1] != '\0'))
			abort();
		if (ra_token_request_parse(enc, &req2) != 0 ||
		    req2.version != req.version ||
		    memcmp(req2.nonce, req.nonce, sizeof(req.nonce)) != 0 ||
		    strcmp(req2.kinds, req.kinds) != 0)
			abort();
		ra_token_request_free(&req2);
		sshbuf_free(enc);
		/* Both ways round the kinds matcher. */
		(void)ra_name_in_list(req.kinds, req.kinds);
		(void)ra_name_in_list("tdx-quote", req.kinds);
	} else if (r != 0 && req.kinds != NULL)
		abort();	/* a failed parse owns nothing */
	ra_token_request_free(&req);
	sshbuf_free(b);
}

static void
fuzz_response(const uint8_t *data, size_t size)
{
	struct sshbuf *b = frombytes(data, size);
	struct ra_evidence *ev;
	char *reason = NULL, err[256];
	u_int status = 0;
	int r;

	if ((ev = ra_evidence_new()) == NULL)
		abort();
	err[0] = '\0';
	r = ra_token_response_parse(b, &status, &reason, ev, err, sizeof(err));
	if (r == 0) {
		if (status == RA_SSH_STATUS_OK) {
			if (reason != NULL ||
			    ra_evidence_count(ev) > RA_SSH_MAX_ITEMS)
				abort();
		} else if (reason == NULL ||
		    strlen(reason) > RA_SSH_MAX_REASON_LEN)
			abort();
	} else {
		if (r != -1 || reason != NULL || err[0] == '\0')
			abort();
	}
	free(reason);
	ra_evidence_free(ev);
	sshbuf_free(b);
}

static void
fuzz_put_items(const uint8_t *data, size_t size)
{
	static const char *kinds[] = { "tdx-quote", "tdx-quote,x,azure",
	    "", "a,b,,c," };
	struct sshbuf *items = frombytes(data, size), *out;
	struct ra_evidence *ev;
	char *reason = NULL, err[256];
	u_int status;
	size_t k = size == 0 ? 0 : data[size - 1] % 4;

	if ((out = sshbuf_new()) == NULL || (ev = ra_evidence_new()) == NULL)
		abort();
	if (ra_token_response_put_items(out, items, kinds[k]) == 0) {
		/*
		 * What the server sends, the client must accept when each
		 * type is a valid name (the filter only passes names in the
		 * client's own list, so they are non-empty) and each item fits
		 * the library's limits.
		 */
		if (ra_token_response_parse(out, &status, &reason, ev, err,
		    sizeof(err)) != 0 || status != RA_SSH_STATUS_OK) {
			if (strlen(kinds[k]) <= RA_SSH_MAX_TYPE_LEN &&
			    size <= RA_SSH_MAX_RESPONSE - 12)
				abort();
		}
	}
	free(reason);
	ra_evidence_free(ev);
	sshbuf_free(out);
	sshbuf_free(items);
}

/* The ra-ssh-cached-binding item (AttestationCache): 40 bytes or nothing. */
static void
fuzz_cached_inputs(const uint8_t *data, size_t size)
{
	u_char rnd[RA_SSH_NONCE_LEN];
	uint64_t made_at = 0;

	if (ra_cached_inputs_parse(data, size, &made_at, rnd) == 0) {
		if (size != RA_SSH_CACHED_BINDING_LEN ||
		    made_at != PEEK_U64(data) ||
		    memcmp(rnd, data + 8, sizeof(rnd)) != 0)
			abort();
	} else if (size == RA_SSH_CACHED_BINDING_LEN)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_request(data, size);
	fuzz_response(data, size);
	fuzz_put_items(data, size);
	fuzz_cached_inputs(data, size);
	return 0;
}
