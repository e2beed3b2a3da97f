/*
 * ra-ssh server side of the wire, the part that needs no attestation
 * library: the token request (248) parser and the token response (249)
 * builders, on plain sshbufs.  sshd-session (after authentication), the
 * pre-auth child sshd-auth (AttestationPreauth) and the fuzzer use it;
 * message layouts are in ra_ssh_msg.c, the packet side is
 * ra_ssh_service.c.  Every length from the wire is bounded before use.
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

/*
 * On success req->version is set; the other fields only when the version
 * is one we speak (the caller answers RA_SSH_STATUS_UNSUPPORTED otherwise).
 */
int
ra_token_request_parse(struct sshbuf *b, struct ra_token_request *req)
{
	const u_char *nonce;
	size_t noncelen, kindslen;
	int r;

	memset(req, 0, sizeof(*req));
	if (sshbuf_len(b) > RA_SSH_MAX_REQUEST)
		return SSH_ERR_INVALID_FORMAT;
	if ((r = sshbuf_get_u32(b, &req->version)) != 0)
		return r;
	if (req->version != RA_SSH_PROTO_VERSION)
		return 0;
	if ((r = sshbuf_get_string_direct(b, &nonce, &noncelen)) != 0)
		return r;
	if (noncelen != RA_SSH_NONCE_LEN)
		return SSH_ERR_INVALID_FORMAT;
	memcpy(req->nonce, nonce, noncelen);
	if ((r = sshbuf_get_cstring(b, &req->kinds, &kindslen)) != 0)
		return r;
	if (kindslen > RA_SSH_MAX_KINDS_LEN || sshbuf_len(b) != 0) {
		ra_token_request_free(req);
		return SSH_ERR_INVALID_FORMAT;
	}
	return 0;
}

void
ra_token_request_free(struct ra_token_request *req)
{
	free(req->kinds);
	req->kinds = NULL;
}

int
ra_token_response_put_status(struct sshbuf *b, u_int status,
    const char *reason)
{
	int r;

	if ((r = sshbuf_put_u32(b, RA_SSH_PROTO_VERSION)) != 0 ||
	    (r = sshbuf_put_u32(b, status)) != 0 ||
	    (r = sshbuf_put_cstring(b, reason)) != 0)
		return r;
	return 0;
}

/*
 * items: the monitor's list (uint32 count, then string type and string
 * data per item).  Only types in the client's name-list kinds are sent,
 * and the server's reason for sending less (RA_SSH_ITEM_SERVICE_ERROR).
 */
int
ra_token_response_put_items(struct sshbuf *b, struct sshbuf *items,
    const char *kinds)
{
	struct sshbuf *sel = NULL;
	const u_char *data;
	char *type = NULL;
	size_t dlen;
	u_int n, i, sent = 0;
	int r;

	if ((sel = sshbuf_new()) == NULL)
		return SSH_ERR_ALLOC_FAIL;
	if ((r = sshbuf_get_u32(items, &n)) != 0)
		goto out;
	if (n > RA_SSH_MAX_ITEMS) {
		r = SSH_ERR_INVALID_FORMAT;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = sshbuf_get_cstring(items, &type, NULL)) != 0 ||
		    (r = sshbuf_get_string_direct(items, &data, &dlen)) != 0)
			goto out;
		if (ra_name_in_list(type, kinds) ||
		    strcmp(type, RA_SSH_ITEM_SERVICE_ERROR) == 0) {
			if ((r = sshbuf_put_cstring(sel, type)) != 0 ||
			    (r = sshbuf_put_string(sel, data, dlen)) != 0)
				goto out;
			sent++;
		}
		free(type);
		type = NULL;
	}
	if ((r = sshbuf_put_u32(b, RA_SSH_PROTO_VERSION)) != 0 ||
	    (r = sshbuf_put_u32(b, RA_SSH_STATUS_OK)) != 0 ||
	    (r = sshbuf_put_u32(b, sent)) != 0 ||
	    (r = sshbuf_putb(b, sel)) != 0)
		goto out;
	/* More than any client takes: an error here, not a refusal there */
	r = sshbuf_len(b) > RA_SSH_MAX_RESPONSE ? SSH_ERR_NO_BUFFER_SPACE : 0;
 out:
	free(type);
	sshbuf_free(sel);
	return r;
}

/* Exact match of name in a comma-separated list. */
int
ra_name_in_list(const char *name, const char *list)
{
	size_t n = strlen(name);
	const char *p = list, *e;

	if (n == 0)
		return 0;
	while (*p != '\0') {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) == n && strncmp(p, name, n) == 0)
			return 1;
		p = *e == ',' ? e + 1 : e;
	}
	return 0;
}
