/*
 * ra-ssh: remote attestation of the server as an SSH service.
 *
 * After user authentication the client requests the "ra-ssh-attestation"
 * service and sends a token request (message 248) carrying a fresh nonce;
 * the server answers (message 249) with typed evidence items whose hardware
 * report binds
 *
 *	SHA-512("ra-ssh-attestation-v1" || string(session_id) ||
 *	    string(nonce) || string(server host key))
 *
 * so evidence can neither be relayed from another session nor replayed.
 * Evidence is produced by the privileged monitor and verified by the
 * client with the ra_attest library against its AttestationPolicy.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */
#ifndef RA_SSH_H
#define RA_SSH_H

#include "ra_attest.h"

#define RA_SSH_SERVICE			"ra-ssh-attestation"
#define RA_SSH_BINDING_LABEL		"ra-ssh-attestation-v1"

/* Local-extension message numbers (RFC 4250 4.1.2: 248-255 are local). */
#define SSH2_MSG_RA_TOKEN_REQUEST	248
#define SSH2_MSG_RA_TOKEN_RESPONSE	249

#define RA_SSH_PROTO_VERSION		1
#define RA_SSH_NONCE_LEN		32
#define RA_SSH_BINDING_LEN		RA_BINDING_LEN

/* Response status codes. */
#define RA_SSH_STATUS_OK		0
#define RA_SSH_STATUS_FAILED		1	/* provider failed */
#define RA_SSH_STATUS_UNSUPPORTED	2	/* protocol version unknown */

/* Hard limits, checked before anything is parsed. */
#define RA_SSH_MAX_REQUEST		2048	/* token request payload */
#define RA_SSH_MAX_KINDS_LEN		1024	/* accepted-kinds name-list */
#define RA_SSH_MAX_RESPONSE		(240 * 1024) /* token response payload */
#define RA_SSH_MAX_ITEMS		RA_MAX_EVIDENCE_ITEMS
#define RA_SSH_MAX_TYPE_LEN		RA_MAX_EVIDENCE_TYPE_LEN
#define RA_SSH_MAX_REASON_LEN		256
#define RA_SSH_MAX_REQUESTS		4	/* token requests per connection */

#define RA_DEFAULT_TIMEOUT		30	/* AttestationTimeout, seconds */

/*
 * The limits above that the library also enforces come from its header;
 * the wire protocol (docs/protocol.md) fixes their values, so a library
 * that changed them would no longer speak it.
 */
#if RA_SSH_BINDING_LEN != 64 || RA_SSH_MAX_ITEMS != 16 || \
    RA_SSH_MAX_TYPE_LEN != 64
#error "ra_attest.h limits disagree with the ra-ssh protocol"
#endif

struct ssh;
struct sshbuf;
struct sshkey;

/* ra_ssh.c: shared by client and server. */
int	ra_provider_spec_valid(const char *);
char	*ra_provider_libspec(const char *, const char *, const char *,
	    const char *, char *, size_t);
void	ra_provider_check(const char *, const char *, const char *,
	    const char *);
int	ra_ssh_binding(const u_char *, size_t, const u_char *, size_t,
	    const struct sshkey *, u_char [RA_SSH_BINDING_LEN]);

/* ra_ssh_msg.c: the 248/249 payloads on plain sshbufs. */
struct ra_evidence;
struct ra_token_request {
	u_int	version;
	u_char	nonce[RA_SSH_NONCE_LEN];
	char	*kinds;		/* accepted evidence types, name-list */
};
int	ra_token_request_put(struct sshbuf *, const u_char *, size_t,
	    const char *);
int	ra_token_request_parse(struct sshbuf *, struct ra_token_request *);
void	ra_token_request_free(struct ra_token_request *);
int	ra_token_response_put_status(struct sshbuf *, u_int, const char *);
int	ra_token_response_put_items(struct sshbuf *, struct sshbuf *,
	    const char *);
int	ra_token_response_parse(struct sshbuf *, u_int *, char **,
	    struct ra_evidence *, char *, size_t);
int	ra_name_in_list(const char *, const char *);

/* ra_ssh_client.c */
void	ra_client_attest(struct ssh *, const char *);

/* ra_ssh_server.c */
int	ra_server_input_service_request(int, u_int32_t, struct ssh *);
void	ra_server_init_dispatch(struct ssh *);
int	ra_monitor_collect(const char *, const u_char *, size_t,
	    const u_char *, size_t, const struct sshkey *, struct sshbuf *);

#endif /* RA_SSH_H */
