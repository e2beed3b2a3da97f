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
#define RA_SSH_CACHED_LABEL		"ra-ssh-cached-v1"	/* AttestationCache */

/* Local-extension message numbers (RFC 4250 4.1.2: 248-255 are local). */
#define SSH2_MSG_RA_TOKEN_REQUEST	248
#define SSH2_MSG_RA_TOKEN_RESPONSE	249

#define RA_SSH_PROTO_VERSION		1
/* Appended to what ssh -V and sshd -V print, never to the banner. */
#define RA_SSH_RELEASE			"ra-ssh_0.1.0"	/* lib/CMakeLists.txt */
#define RA_SSH_NONCE_LEN		32
#define RA_SSH_BINDING_LEN		RA_BINDING_LEN

/*
 * Not evidence: why the server sends less than it was configured to (the
 * attestation service's one-line error, lib/src/provider).  Sent whatever
 * types the client listed, so a refusal can say why.
 */
#define RA_SSH_ITEM_SERVICE_ERROR	RA_EVIDENCE_SERVICE_ERROR

/*
 * AttestationCache: listed in a token request's types, it says the client
 * accepts cached evidence; sent back as an item (uint64 made_at, then the
 * 32 random bytes) so the client can recompute the cached binding.
 */
#define RA_SSH_ITEM_CACHED_BINDING	"ra-ssh-cached-binding"
#define RA_SSH_CACHED_BINDING_LEN	(8 + RA_SSH_NONCE_LEN)

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
/*
 * Token requests per connection are a rate, not a total, so that a long
 * session can re-attest (AttestationInterval): a bucket of
 * RA_SSH_MAX_REQUESTS, refilled by one every RA_SSH_REQUEST_REFILL seconds.
 */
#define RA_SSH_MAX_REQUESTS		4	/* token requests at once */
#define RA_SSH_REQUEST_REFILL		2	/* seconds per further request */

#define RA_DEFAULT_TIMEOUT		30	/* AttestationTimeout, seconds */
#define RA_STAGE_POSTAUTH		0	/* AttestationStage */
#define RA_STAGE_PREAUTH		1
#define RA_SSH_STATE_DIR		"/run/ra-ssh"	/* sshd's monitor */
#define RA_SSH_OUTAGE_LOG_INTERVAL	60	/* seconds */
#define RA_DEFAULT_MAX_ATTESTATIONS	8	/* MaxAttestations */
#define RA_MAX_ATTESTATIONS_LIMIT	1024
#define RA_DEFAULT_PROVIDER_TIMEOUT	15	/* AttestationProviderTimeout, s */

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

/* ra_ssh_conf.c: config syntax, linked everywhere servconf.o is. */
extern int (*ra_provider_spec_hook)(const char *);
int	ra_provider_spec_valid(const char *);

/* ra_ssh.c: shared by ssh, sshd and sshd-session. */
char	*ra_provider_libspec(const char *, const char *, const char *,
	    const char *, char *, size_t);
void	ra_provider_check(const char *, const char *, const char *,
	    const char *);
int	ra_ssh_binding(const u_char *, size_t, const u_char *, size_t,
	    const struct sshkey *, u_char [RA_SSH_BINDING_LEN]);
int	ra_ssh_cached_binding(const struct sshkey *, uint64_t, const u_char *,
	    size_t, u_char [RA_SSH_BINDING_LEN]);
struct ra_rate {
	double	tokens;
	double	last;		/* monotime_double(); 0: never used */
};
int	ra_rate_take(struct ra_rate *);

/* ra_ssh_msg.c: the 248/249 payloads on plain sshbufs, client side. */
struct ra_evidence;
int	ra_token_request_put(struct sshbuf *, const u_char *, size_t,
	    const char *);
int	ra_token_response_parse(struct sshbuf *, u_int *, char **,
	    struct ra_evidence *, char *, size_t);

/*
 * ra_ssh_wire.c (message codec) and ra_ssh_service.c (packet side): the
 * server's part, no attestation library (sshd-session and sshd-auth).
 */
struct ra_token_request {
	u_int	version;
	u_char	nonce[RA_SSH_NONCE_LEN];
	char	*kinds;		/* accepted evidence types, name-list */
};
int	ra_token_request_parse(struct sshbuf *, struct ra_token_request *);
void	ra_token_request_free(struct ra_token_request *);
int	ra_token_response_put_status(struct sshbuf *, u_int, const char *);
int	ra_token_response_put_items(struct sshbuf *, struct sshbuf *,
	    const char *);
int	ra_name_in_list(const char *, const char *);
int	ra_cached_inputs_parse(const u_char *, size_t, uint64_t *,
	    u_char [RA_SSH_NONCE_LEN]);
void	ra_token_request_read(struct ssh *, struct ra_token_request *);
char	*ra_token_response_types(const struct sshbuf *);
int	ra_send_response(struct ssh *, struct sshbuf *);
const char *ra_collect_reason(int);
int	ra_service_accept(struct ssh *, int *,
	    int (*)(int, u_int32_t, struct ssh *));

/* ra_ssh_client.c */
void	ra_client_attest(struct ssh *, const char *);
void	ra_client_preload_policy(void);
int	ra_add_host_to_hostfile(const char *, const char *,
	    const struct sshkey *, int);
int	ra_hostfile_pending(const char *);
int	ra_hostfile_replace_entries(const char *, const char *, const char *,
	    struct sshkey **, size_t, int, int, int);
char	*ra_host_normalise(const char *);
void	ra_client_check_policy(const char *, int);
time_t	ra_client_reattest_time(void);
void	ra_client_reattest_poll(struct ssh *);
void	ra_client_init_dispatch(struct ssh *);

/* ra_ssh_server.c; serverloop.c calls it through this hook. */
extern void (*server_dispatch_hook)(struct ssh *);
int	ra_server_input_service_request(int, u_int32_t, struct ssh *);
void	ra_server_init_dispatch(struct ssh *);
void	ra_server_session_start(void);
/* ra_monitor_collect's results; the monitor sends them to the child. */
#define RA_COLLECT_OK		0
#define RA_COLLECT_FAILED	1	/* provider error (details in log) */
#define RA_COLLECT_BUSY		2	/* no MaxAttestations slot in time */
#define RA_COLLECT_TIMEOUT	3	/* AttestationProviderTimeout */
int	ra_monitor_collect(const char *, const u_char *, size_t,
	    const u_char *, size_t, const struct sshkey *, struct sshbuf *);
int	ra_monitor_cached(const char *, int, const struct sshkey *,
	    struct sshbuf *);	/* RA_COLLECT_* as well */

#endif /* RA_SSH_H */
