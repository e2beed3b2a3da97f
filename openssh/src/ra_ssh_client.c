/*
 * ra-ssh client: ask the server for attestation evidence bound to this
 * session and verify it against the AttestationPolicy before any channel
 * is opened.  Any failure ends the connection with exit status 255 and a
 * one-line reason on stderr; nothing is written to stdout.
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
#include <signal.h>
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
#include "ssh.h"
#include "readconf.h"
#include "channels.h"
#include "clientloop.h"
#include "pathnames.h"
#include "hostfile.h"
#include "atomicio.h"
#include "ra_ssh.h"
#include "ra_ssh_known.h"

#include "ra_attest.h"

extern Options options;

static struct {
	char *host;
	u_char nonce[RA_SSH_NONCE_LEN];
	struct ra_policy *policy;
	int accepted;		/* SERVICE_ACCEPT seen */
	int probed;		/* the probe's reply seen */
	int verified;		/* evidence accepted */
	int done;		/* both: nothing of ours left in flight */
	time_t deadline;	/* monotime(); 0: AttestationTimeout none */
} ractx;

/*
 * AttestationInterval: after the first verdict the policy stays loaded and
 * the client loop asks again (a token request on the service already
 * accepted) every interval, one request in flight at a time.
 */
static struct {
	int active;		/* attested once, interval set */
	int inflight;		/* a token request awaits its answer */
	time_t next;		/* monotime() of the next request */
	time_t deadline;	/* in flight: answer due by */
	u_int count;		/* repeated verdicts so far */
} rareat;

/*
 * Changes to known_hosts wait for the verdict: with AttestationRequired, a
 * host key learned during key exchange (accept-new, StrictHostKeyChecking
 * no, a confirmed prompt, CheckHostIP) or through hostkeys-00@openssh.com
 * (UpdateHostKeys) is recorded only once the server has attested, so a
 * refused server cannot pin its key for the attested one that follows.
 * A refusal exits and the queue goes with the process.
 */
struct ra_hostfile_change {
	char *file, *host, *ip;		/* ip: replace only, may be NULL */
	struct sshkey **keys;		/* replace: entries may be NULL */
	size_t nkeys;
	int replace, store_hash, quiet, hash_alg;
	struct ra_hostfile_change *next;
};
static struct ra_hostfile_change *ra_pending, **ra_pending_tail = &ra_pending;
static size_t ra_npending;
static int ra_attested;		/* the verdict was: accepted */

static int
ra_hostfile_deferred(void)
{
	return options.attestation_required && !ra_attested;
}

static struct ra_hostfile_change *
ra_hostfile_queue(const char *file, const char *host, const char *ip,
    struct sshkey * const *keys, size_t nkeys, int store_hash)
{
	struct ra_hostfile_change *c;
	size_t i;
	int r;

	c = xcalloc(1, sizeof(*c));
	c->file = xstrdup(file);
	c->host = xstrdup(host);
	c->ip = ip == NULL ? NULL : xstrdup(ip);
	c->store_hash = store_hash;
	if (nkeys > 0)
		c->keys = xcalloc(nkeys, sizeof(*c->keys));
	for (i = 0; i < nkeys; i++) {
		if (keys[i] != NULL &&
		    (r = sshkey_from_private(keys[i], &c->keys[i])) != 0)
			fatal_fr(r, "copy host key");
	}
	c->nkeys = nkeys;
	*ra_pending_tail = c;
	ra_pending_tail = &c->next;
	ra_npending++;
	return c;
}

/* add_host_to_hostfile(), held back until the verdict. */
int
ra_add_host_to_hostfile(const char *file, const char *host,
    const struct sshkey *key, int store_hash)
{
	struct sshkey *k = (struct sshkey *)key;

	if (!ra_hostfile_deferred())
		return add_host_to_hostfile(file, host, key, store_hash);
	if (key == NULL)
		return 1;
	ra_hostfile_queue(file, host, NULL, &k, 1, store_hash);
	debug_f("%s: entry for %s held until attestation", file, host);
	return 1;
}

/* hostfile_replace_entries(), held back until the verdict. */
int
ra_hostfile_replace_entries(const char *file, const char *host,
    const char *ip, struct sshkey **keys, size_t nkeys, int store_hash,
    int quiet, int hash_alg)
{
	struct ra_hostfile_change *c;

	if (!ra_hostfile_deferred())
		return hostfile_replace_entries(file, host, ip, keys, nkeys,
		    store_hash, quiet, hash_alg);
	c = ra_hostfile_queue(file, host, ip, keys, nkeys, store_hash);
	c->replace = 1;
	c->quiet = quiet;
	c->hash_alg = hash_alg;
	debug_f("%s: update for %s held until attestation", file, host);
	return 0;
}

/*
 * An addition to `file` is held: UpdateHostKeys, which skips a known_hosts
 * that does not exist, must not skip the one the held addition creates.
 */
int
ra_hostfile_pending(const char *file)
{
	struct ra_hostfile_change *c;

	for (c = ra_pending; c != NULL; c = c->next) {
		if (!c->replace && strcmp(c->file, file) == 0)
			return 1;
	}
	return 0;
}

/* Attested: make the changes, in the order they were asked for. */
static void
ra_hostfile_flush(void)
{
	struct ra_hostfile_change *c;
	size_t i;
	int r;

	ra_attested = 1;
	while ((c = ra_pending) != NULL) {
		ra_pending = c->next;
		if (!c->replace) {
			if (!add_host_to_hostfile(c->file, c->host,
			    c->keys[0], c->store_hash))
				logit("Failed to add the host to the list of "
				    "known hosts (%.500s).", c->file);
		} else if ((r = hostfile_replace_entries(c->file, c->host,
		    c->ip, c->keys, c->nkeys, c->store_hash, c->quiet,
		    c->hash_alg)) != 0)
			error_fr(r, "hostfile_replace_entries failed for %s",
			    c->file);
		for (i = 0; i < c->nkeys; i++)
			sshkey_free(c->keys[i]);
		free(c->keys);
		free(c->file);
		free(c->host);
		free(c->ip);
		free(c);
	}
	ra_pending_tail = &ra_pending;
	if (ra_npending > 0)
		debug("ra-ssh: %zu known_hosts change(s) made after "
		    "attestation", ra_npending);
	ra_npending = 0;
}

/* Replace anything that could garble the terminal or split the line. */
static void
ra_sanitise(char *s)
{
	for (; *s != '\0'; s++) {
		if (!isprint((u_char)*s))
			*s = '?';
	}
}

/* The library's diagnostics (why a cached key set was not used, ...). */
static void
ra_lib_debug(void *ctx, const char *msg)
{
	(void)ctx;
	debug("ra-ssh: %s", msg);
}

static void ra_fail(struct ssh *, const char *, ...)
    __attribute__((format(printf, 2, 3))) __attribute__((noreturn));

static void
ra_disconnect(struct ssh *ssh)
{
	if (ra_npending > 0)
		logit("Not recording %zu known_hosts change(s) for %s: "
		    "attestation failed", ra_npending, ractx.host);
	if (sshpkt_start(ssh, SSH2_MSG_DISCONNECT) == 0 &&
	    sshpkt_put_u32(ssh, SSH2_DISCONNECT_BY_APPLICATION) == 0 &&
	    sshpkt_put_cstring(ssh, "attestation refused") == 0 &&
	    sshpkt_put_cstring(ssh, "") == 0 &&
	    sshpkt_send(ssh) == 0)
		(void)ssh_packet_write_wait(ssh);
}

/*
 * Tell the server why we leave, then exit 255 with one line on stderr.
 */
static void
ra_fail(struct ssh *ssh, const char *fmt, ...)
{
	char reason[512];
	va_list args;

	va_start(args, fmt);
	vsnprintf(reason, sizeof(reason), fmt, args);
	va_end(args);
	ra_sanitise(reason);
	ra_disconnect(ssh);
	fatal("Attestation of %s failed: %s", ractx.host, reason);
}

/*
 * The library's policy errors read "policy: FILE: what"; ours name the
 * option, so the line says it is this client's configuration at fault.
 */
static const char *
ra_policy_err(char *err)
{
	ra_sanitise(err);
	return strncmp(err, "policy: ", 8) == 0 ? err + 8 : err;
}

static int
ra_input_unexpected(int type, u_int32_t seq, struct ssh *ssh)
{
	ra_fail(ssh, "unexpected message type %d during attestation", type);
	/* NOTREACHED */
	return 0;
}

/*
 * A server without the service answers the service request with
 * SSH2_MSG_UNIMPLEMENTED, which the packet layer consumes silently.  So a
 * want-reply global request follows it: servers answer in order, and its
 * (failure) reply arriving before SERVICE_ACCEPT means the service was not
 * accepted.  The token request waits for SERVICE_ACCEPT because servers
 * before OpenSSH 9.5 disconnect on any message number above 191.
 */
#define RA_SSH_PROBE	"ra-ssh-attestation-probe"

static void
ra_probe_reply(struct ssh *ssh, int type, u_int32_t seq, void *ctx)
{
	if (!ractx.accepted)
		ra_fail(ssh, "server does not offer attestation "
		    "(service %s not available)", RA_SSH_SERVICE);
	ractx.probed = 1;
	ractx.done = ractx.verified;
}

/*
 * The last resort for AttestationTimeout: the input hook checks it per
 * packet, but a server dribbling one packet a byte at a time never
 * completes one.  Async-signal-safe: a prepared line, write, _exit.
 */
static char ra_alarm_line[512];
static size_t ra_alarm_len;

static void
ra_alarm(int sig)
{
	(void)write(STDERR_FILENO, ra_alarm_line, ra_alarm_len);
	_exit(255);
}

static void ra_send_token_request(struct ssh *);

static int
ra_input_service_accept(int type, u_int32_t seq, struct ssh *ssh)
{
	char *service = NULL;
	int r;

	if ((r = sshpkt_get_cstring(ssh, &service, NULL)) != 0 ||
	    (r = sshpkt_get_end(ssh)) != 0)
		ra_fail(ssh, "malformed service accept: %s", ssh_err(r));
	if (ractx.accepted || strcmp(service, RA_SSH_SERVICE) != 0)
		ra_fail(ssh, "unexpected service accept");
	free(service);
	ractx.accepted = 1;
	debug("ra-ssh: service accepted");
	ra_send_token_request(ssh);
	return 0;
}

/*
 * Runs before each incoming packet is handled, transport messages
 * included.  AttestationTimeout bounds the whole exchange: the packet
 * timeout alone restarts with every packet, so a server trickling
 * SSH2_MSG_IGNORE could hold us forever.  And every key exchange resets
 * the transport-range handlers (1-49), so a rekey during attestation would
 * drop SERVICE_ACCEPT's: outside a key exchange, make sure it is there.
 */
/*
 * Before authentication a server without the service (stock sshd, or ours
 * without AttestationPreauth) disconnects on the service request: one line
 * with its reason, not the packet layer's "Received disconnect" as well.
 */
static void
ra_preauth_disconnected(struct ssh *ssh, struct sshbuf *packet)
{
	char *why = NULL;
	u_int code;

	if (sshbuf_get_u32(packet, &code) != 0 ||
	    sshbuf_get_cstring(packet, &why, NULL) != 0)
		why = xstrdup("malformed disconnect message");
	ra_sanitise(why);
	if (!ractx.accepted)
		fatal("Attestation of %s failed: server does not offer "
		    "attestation before authentication (it disconnected: "
		    "%.200s)", ractx.host, why);
	fatal("Attestation of %s failed: server disconnected: %.200s",
	    ractx.host, why);
}

static int
ra_input_hook(struct ssh *ssh, struct sshbuf *packet, u_char *typep,
    void *ctx)
{
	time_t left;

	if (*typep == SSH2_MSG_DISCONNECT &&
	    options.attestation_stage == RA_STAGE_PREAUTH)
		ra_preauth_disconnected(ssh, packet);

	if (ractx.deadline != 0) {
		if ((left = ractx.deadline - monotime()) <= 0)
			ra_fail(ssh, "no evidence within %d seconds",
			    options.attestation_timeout);
		ssh_packet_set_timeout(ssh, (int)left, 1);
	}
	if (!ssh_packet_is_rekeying(ssh))
		ssh_dispatch_set(ssh, SSH2_MSG_SERVICE_ACCEPT,
		    &ra_input_service_accept);
	return 0;
}

static void
ra_send_token_request(struct ssh *ssh)
{
	struct sshbuf *req;
	char *kinds, *hex;
	int r;

	/*
	 * AcceptCachedEvidence yes: say so by listing the cached binding's
	 * item; otherwise the server must answer with evidence for this nonce.
	 */
	if (ra_policy_accepts_cached(ractx.policy))
		xasprintf(&kinds, "%s,%s",
		    ra_policy_accepted_kinds(ractx.policy),
		    RA_SSH_ITEM_CACHED_BINDING);
	else
		kinds = xstrdup(ra_policy_accepted_kinds(ractx.policy));
	arc4random_buf(ractx.nonce, sizeof(ractx.nonce));
	if ((req = sshbuf_new()) == NULL)
		fatal_f("sshbuf_new failed");
	if ((r = ra_token_request_put(req, ractx.nonce, sizeof(ractx.nonce),
	    kinds)) != 0 ||
	    (r = sshpkt_start(ssh, SSH2_MSG_RA_TOKEN_REQUEST)) != 0 ||
	    (r = sshpkt_putb(ssh, req)) != 0 ||
	    (r = sshpkt_send(ssh)) != 0)
		fatal_fr(r, "send token request");
	sshbuf_free(req);
	debug("ra-ssh: token request sent (evidence accepted: %s)", kinds);
	if ((hex = tohex(ractx.nonce, sizeof(ractx.nonce))) != NULL)
		debug3("ra-ssh: nonce %s", hex);
	free(hex);
	free(kinds);
}

/* What came, and the server's reason when it sent less (service-error). */
static void
ra_debug_items(const struct ra_evidence *ev)
{
	const char *type;
	const uint8_t *data;
	char why[RA_SSH_MAX_REASON_LEN + 1];
	size_t i, len;

	for (i = 0; i < ra_evidence_count(ev); i++) {
		if (ra_evidence_get(ev, i, &type, &data, &len) != RA_OK)
			continue;
		debug2("ra-ssh: item %s, %zu bytes", type, len);
		if (strcmp(type, RA_SSH_ITEM_SERVICE_ERROR) != 0)
			continue;
		len = MINIMUM(len, sizeof(why) - 1);
		memcpy(why, data, len);
		why[len] = '\0';
		ra_sanitise(why);
		debug("ra-ssh: server reports %s: %s", type, why);
	}
}

/*
 * Every claim in full, one line per field, so that ssh -v shows what to
 * pin (on a refusal too, when the evidence was genuine).
 */
static void
ra_debug_claims(const struct ra_verdict *v)
{
	const char *name, *value, *what;
	char line[1024];
	size_t i, j;

	what = ra_verdict_refused(v) ? "refused" : "verified";
	for (i = 0; i < ra_verdict_item_count(v); i++) {
		for (j = 0; j < ra_verdict_field_count(v, i); j++) {
			if (ra_verdict_field(v, i, j, &name, &value) != RA_OK)
				continue;
			snprintf(line, sizeof(line), "%s %s: %s=%s", what,
			    ra_verdict_item_type(v, i), name, value);
			ra_sanitise(line);
			debug("ra-ssh: %s", line);
		}
	}
}

/*
 * AttestationEvidenceFile: the evidence and what was concluded, for later
 * inspection (ssh-attest verify reads it).  Written after the verdict,
 * accepted or refused; mode 0600; never to stdout (the session's).  A
 * file that cannot be written is reported, and decides nothing.
 */
static void
ra_save_evidence(const struct ra_evidence *ev, const struct ra_verdict *v,
    const char *error)
{
	char *cp, *path, *json, err[256], port[16];
	struct stat st;
	size_t len;
	int fd;

	if (options.attestation_evidence_file == NULL)
		return;
	cp = tilde_expand_filename(options.attestation_evidence_file, getuid());
	snprintf(port, sizeof(port), "%d", options.port);
	path = percent_expand(cp, "h", ractx.host, "p", port,
	    "r", options.user == NULL ? "" : options.user, (char *)NULL);
	free(cp);
	if ((json = ra_evidence_file_json(ev, v, ractx.host,
	    (unsigned)options.port, time(NULL), error,
	    err, sizeof(err))) == NULL) {
		ra_sanitise(err);
		error("AttestationEvidenceFile: %s", err);
		free(path);
		return;
	}
	len = strlen(json);
	if (strcmp(path, "-") == 0)
		error("AttestationEvidenceFile: not written to \"-\": "
		    "stdout is the session's");
	else if ((fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NOCTTY |
	    O_NONBLOCK, 0600)) == -1)
		error("AttestationEvidenceFile: %s: %s", path, strerror(errno));
	else {
		if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
			error("AttestationEvidenceFile: %s: not a regular "
			    "file", path);
		else if (fchmod(fd, 0600) == -1 || ftruncate(fd, 0) == -1 ||
		    atomicio(vwrite, fd, json, len) != len)
			error("AttestationEvidenceFile: %s: %s", path,
			    strerror(errno));
		else
			debug("ra-ssh: evidence written to %s", path);
		close(fd);
	}
	freezero(json, len);
	free(path);
}

/*
 * What is left of AttestationTimeout for this answer, in milliseconds, for
 * the fetches its verification makes (collateral): a slow PCS is refused
 * with its own message before the connection's deadline.  0: no timeout.
 */
static long
ra_verify_timeout_ms(void)
{
	time_t deadline = rareat.inflight ? rareat.deadline : ractx.deadline;
	double left;

	if (deadline == 0 || options.attestation_timeout <= 0)
		return 0;
	left = (double)deadline - monotime_double();
	return left < 0.001 ? 1 : (long)(left * 1000);
}

/*
 * The binding the evidence must carry.  Fresh: this session's id, our
 * nonce and the host key of the key exchange.  Cached (the answer has a
 * ra-ssh-cached-binding item, AttestationCache): the host key of this
 * connection's key exchange (whose signature over the exchange hash is
 * the per-connection freshness), the server's made_at and random value,
 * and only if the policy accepts cached evidence of that age.  Returns
 * whether the evidence is cached; *made_at is set for cached evidence.
 */
static int
ra_expected_binding(struct ssh *ssh, const struct ra_evidence *ev,
    u_char binding[RA_SSH_BINDING_LEN], uint64_t *made_at)
{
	const char *type;
	const uint8_t *data = NULL, *p;
	u_char rnd[RA_SSH_NONCE_LEN];
	char err[512];
	size_t i, len = 0, plen, n = 0;
	int r;

	for (i = 0; i < ra_evidence_count(ev); i++) {
		if (ra_evidence_get(ev, i, &type, &p, &plen) == RA_OK &&
		    strcmp(type, RA_SSH_ITEM_CACHED_BINDING) == 0) {
			data = p;
			len = plen;
			n++;
		}
	}
	if (n == 0) {
		if ((r = ra_ssh_binding(sshbuf_ptr(ssh->kex->session_id),
		    sshbuf_len(ssh->kex->session_id), ractx.nonce,
		    sizeof(ractx.nonce), ssh->kex->initial_hostkey,
		    binding)) != 0)
			fatal_fr(r, "binding");
		return 0;
	}
	if (n > 1)
		ra_fail(ssh, "%zu %s items in the answer", n,
		    RA_SSH_ITEM_CACHED_BINDING);
	if (ra_cached_inputs_parse(data, len, made_at, rnd) != 0)
		ra_fail(ssh, "malformed %s item (%zu bytes, want %d)",
		    RA_SSH_ITEM_CACHED_BINDING, len, RA_SSH_CACHED_BINDING_LEN);
	if (ra_policy_check_cached_age(ractx.policy, *made_at, 0,
	    err, sizeof(err)) != RA_OK)
		ra_fail(ssh, "%s", ra_policy_err(err));
	if ((r = ra_ssh_cached_binding(ssh->kex->initial_hostkey, *made_at,
	    rnd, sizeof(rnd), binding)) != 0)
		fatal_fr(r, "cached binding");
	debug("ra-ssh: cached evidence, made at %llu by the server's clock",
	    (unsigned long long)*made_at);
	return 1;
}

/*
 * Does the library's refusal name a failed binding check ("report data
 * binding", "tpm quote binding", ...)?  The cached item's own name, in
 * a list of what was received, is not one.
 */
static int
ra_err_is_binding(const char *err)
{
	char *s = xstrdup(err), *p;
	size_t n = strlen(RA_SSH_ITEM_CACHED_BINDING);
	int r;

	while ((p = strstr(s, RA_SSH_ITEM_CACHED_BINDING)) != NULL)
		memmove(p, p + n, strlen(p + n) + 1);
	r = strstr(s, "binding") != NULL;
	free(s);
	return r;
}

/*
 * Cached evidence whose binding does not recompute was made for another
 * host key (or other inputs) than this connection's: say which key.
 */
static void
ra_fail_cached(struct ssh *ssh, const char *err)
{
	char *fp;

	if (!ra_err_is_binding(err))
		ra_fail(ssh, "cached evidence: %s", err);
	fp = sshkey_fingerprint(ssh->kex->initial_hostkey,
	    options.fingerprint_hash, SSH_FP_DEFAULT);
	ra_fail(ssh, "cached evidence is not bound to this connection's host "
	    "key %s (%s)", fp == NULL ? "?" : fp, err);
}

/*
 * Parse and verify the token response in the current packet against this
 * session and ractx.nonce; returns only if the policy accepts it.
 */
static void
ra_verify_token_response(struct ssh *ssh)
{
	struct ra_evidence *ev = NULL;
	struct ra_verdict *verdict = NULL;
	struct sshbuf *b;
	u_char binding[RA_SSH_BINDING_LEN];
	char summary[512], err[512], *reason = NULL;
	const u_char *p;
	uint64_t made_at = 0;
	size_t len;
	u_int status;
	int r, cached;

	if ((p = sshpkt_ptr(ssh, &len)) == NULL ||
	    (b = sshbuf_from(p, len)) == NULL)
		fatal_f("sshbuf_from failed");
	if ((ev = ra_evidence_new()) == NULL)
		fatal_f("ra_evidence_new failed");
	if (ra_token_response_parse(b, &status, &reason, ev,
	    err, sizeof(err)) != 0)
		ra_fail(ssh, "%s", err);
	sshbuf_free(b);
	if (status != RA_SSH_STATUS_OK)
		ra_fail(ssh, "server could not produce evidence: %s", reason);
	debug("ra-ssh: token response with %zu evidence items",
	    ra_evidence_count(ev));
	ra_debug_items(ev);

	/* What this client saw of the session: exchange hash and host key */
	if (ssh->kex == NULL || ssh->kex->session_id == NULL ||
	    ssh->kex->initial_hostkey == NULL)
		ra_fail(ssh, "no session id or host key to bind to");
	cached = ra_expected_binding(ssh, ev, binding, &made_at);

	if ((r = ra_verify_verdict_within(ractx.policy, ev, binding, 0,
	    ra_verify_timeout_ms(), &verdict, err, sizeof(err))) != RA_OK) {
		/* Genuine but refused: still say what was measured */
		if (verdict != NULL)
			ra_debug_claims(verdict);
		ra_save_evidence(ev, verdict, err);
		if (cached)
			ra_fail_cached(ssh, err);
		ra_fail(ssh, "%s", err);
	}
	ra_debug_claims(verdict);
	strlcpy(summary, ra_verdict_summary(verdict), sizeof(summary));
	ra_sanitise(summary);
	if (cached)
		verbose("Attestation of %s verified from cached evidence made "
		    "%lld s ago for this host key: %s", ractx.host,
		    (long long)time(NULL) - (long long)made_at, summary);
	else
		verbose("Attestation of %s verified: %s", ractx.host, summary);
	/* Trust on first use when the policy pins no measurement */
	if (ra_known_client_check(ractx.policy, verdict, ractx.host,
	    err, sizeof(err)) != 0) {
		ra_save_evidence(ev, verdict, err);
		ra_fail(ssh, "%s", err);
	}
	ra_save_evidence(ev, verdict, NULL);
	ra_verdict_free(verdict);
	ra_evidence_free(ev);
	explicit_bzero(binding, sizeof(binding));
}

static int
ra_input_token_response(int type, u_int32_t seq, struct ssh *ssh)
{
	if (!ractx.accepted)
		ra_fail(ssh, "evidence received before it was requested");
	if (ractx.verified)
		ra_fail(ssh, "unexpected second token response");
	ra_verify_token_response(ssh);
	ractx.verified = 1;
	ractx.done = ractx.probed;
	return 0;
}

/*
 * The policy, read between connect and login (ssh.c), while sshd starts
 * the connection's session process: parsing its trust anchors is most of
 * what an attested connection adds on the client before it can ask for
 * evidence, and the server would otherwise wait for it (docs/design.md,
 * "Where an attested connect's time goes").  A policy that does not load
 * is left alone here: ra_client_attest loads it again and fails as it
 * always did, at the same point and with the same words.
 */
static struct ra_policy *ra_preloaded;

void
ra_client_preload_policy(void)
{
	char err[512], *path = NULL;

	if (ra_preloaded != NULL)
		return;
	if (options.attestation_policy != NULL)
		path = tilde_expand_filename(options.attestation_policy,
		    getuid());
	if (ra_policy_load(path, &ra_preloaded, err, sizeof(err)) != RA_OK) {
		ra_preloaded = NULL;
		debug_f("not loaded yet: %s", err);
	} else
		debug("ra-ssh: policy %s loaded before login",
		    path == NULL ? "(built-in)" : path);
	free(path);
}

/*
 * Called after user authentication and before any channel when
 * AttestationRequired is set (with AttestationStage preauth: after key
 * exchange, before the ssh-userauth service request).  Returns only if the
 * server's evidence was accepted.
 */
void
ra_client_attest(struct ssh *ssh, const char *host)
{
	char err[512], *policy_path = NULL, *keydir = NULL;
	sshsig_t oalarm = NULL;
	int r;

	memset(&ractx, 0, sizeof(ractx));
	/* Our own copy: the client loop's repeated exchanges outlive host */
	ractx.host = xstrdup(host);

	/*
	 * Ask first, then load the policy (if ra_client_preload_policy did
	 * not) while the server answers: the service is accepted only once
	 * sshd's session child is up, and the token request that needs the
	 * policy waits for that anyway.  A policy that does not load ends the
	 * connection before evidence is requested.
	 */
	if ((r = sshpkt_start(ssh, SSH2_MSG_SERVICE_REQUEST)) != 0 ||
	    (r = sshpkt_put_cstring(ssh, RA_SSH_SERVICE)) != 0 ||
	    (r = sshpkt_send(ssh)) != 0)
		fatal_fr(r, "send service request");
	/*
	 * Before authentication there is no probe: servers without the
	 * service disconnect on the request (ra_preauth_disconnected), and
	 * sshd answers nothing but the service request there.
	 */
	if (options.attestation_stage == RA_STAGE_PREAUTH)
		ractx.probed = 1;
	else if ((r = sshpkt_start(ssh, SSH2_MSG_GLOBAL_REQUEST)) != 0 ||
	    (r = sshpkt_put_cstring(ssh, RA_SSH_PROBE)) != 0 ||
	    (r = sshpkt_put_u8(ssh, 1)) != 0 ||	/* want reply */
	    (r = sshpkt_send(ssh)) != 0)
		fatal_fr(r, "send probe");
	else
		client_register_global_confirm(ra_probe_reply, NULL);
	/* What the socket does not take now goes out from the dispatch loop */
	if ((r = ssh_packet_write_poll(ssh)) != 0)
		ra_fail(ssh, "connection lost: %s", ssh_err(r));

	if (options.attestation_policy != NULL)
		policy_path = tilde_expand_filename(options.attestation_policy,
		    getuid());
	if (ra_preloaded != NULL) {
		ractx.policy = ra_preloaded;
		ra_preloaded = NULL;
	} else if (ra_policy_load(policy_path, &ractx.policy,
	    err, sizeof(err)) != RA_OK) {
		ra_disconnect(ssh);
		fatal("AttestationPolicy: %s", ra_policy_err(err));
	}
	debug("ra-ssh: requesting attestation, policy %s",
	    policy_path == NULL ? "(built-in)" : policy_path);
	free(policy_path);
	/*
	 * One ssh per connection: without keys kept on disk, every connection
	 * would fetch the attestation service's signing keys again.  The
	 * policy's own IssuerKeyCache (a directory, or none) wins.
	 */
	if (tilde_expand("~/" _PATH_SSH_USER_DIR "/ra-ssh-keys", getuid(),
	    &keydir) == 0) {
		if (ra_policy_set_default_key_cache(ractx.policy, keydir,
		    err, sizeof(err)) != RA_OK)
			debug("ra-ssh: no issuer key cache: %s", err);
		free(keydir);
	}
	/* Likewise fetched Intel collateral (Collateral https://...) */
	if (tilde_expand("~/" _PATH_SSH_USER_DIR "/ra-ssh-collateral", getuid(),
	    &keydir) == 0) {
		if (ra_policy_set_default_collateral_cache(ractx.policy,
		    keydir, err, sizeof(err)) != RA_OK)
			debug("ra-ssh: no collateral cache: %s", err);
		free(keydir);
	}
	ra_policy_set_debug(ractx.policy, ra_lib_debug, NULL);

	/* Evidence that does not come in time counts as refused. */
	if (options.attestation_timeout > 0) {
		ractx.deadline = monotime() + options.attestation_timeout;
		snprintf(ra_alarm_line, sizeof(ra_alarm_line),
		    "Attestation of %s failed: no evidence within %d seconds\r\n",
		    host, options.attestation_timeout);
		ra_alarm_len = strlen(ra_alarm_line);
		oalarm = ssh_signal(SIGALRM, ra_alarm);
		alarm(options.attestation_timeout + 1);
	}
	ssh_packet_set_timeout(ssh, options.attestation_timeout, 1);
	ssh_dispatch_init(ssh, &ra_input_unexpected);
	ssh_dispatch_set(ssh, SSH2_MSG_KEXINIT, &kex_input_kexinit);
	/* Before authentication, the server's extensions follow NEWKEYS */
	if (options.attestation_stage == RA_STAGE_PREAUTH)
		ssh_dispatch_set(ssh, SSH2_MSG_EXT_INFO, &kex_input_ext_info);
	/* hostkeys-00@openssh.com and replies may arrive meanwhile */
	client_set_global_dispatch(ssh);
	ssh_dispatch_set(ssh, SSH2_MSG_SERVICE_ACCEPT,
	    &ra_input_service_accept);
	ssh_dispatch_set(ssh, SSH2_MSG_RA_TOKEN_RESPONSE,
	    &ra_input_token_response);
	ssh_packet_set_input_hook(ssh, &ra_input_hook, NULL);
	r = ssh_dispatch_run(ssh, DISPATCH_BLOCK, &ractx.done);
	if (r == SSH_ERR_CONN_TIMEOUT)
		ra_fail(ssh, "no evidence within %d seconds",
		    options.attestation_timeout);
	else if (r != 0)
		ra_fail(ssh, "connection lost: %s", ssh_err(r));

	if (options.attestation_timeout > 0) {
		alarm(0);
		ssh_signal(SIGALRM, oalarm);
	}
	ssh_packet_set_input_hook(ssh, NULL, NULL);
	ssh_dispatch_set(ssh, SSH2_MSG_SERVICE_ACCEPT, NULL);
	ssh_dispatch_set(ssh, SSH2_MSG_RA_TOKEN_RESPONSE, NULL);
	ssh_packet_set_timeout(ssh, options.server_alive_interval,
	    options.server_alive_count_max);
	if (options.attestation_interval > 0) {
		/* Kept for the repeated exchanges, with the same policy */
		rareat.active = 1;
		rareat.next = monotime() + options.attestation_interval;
	} else {
		ra_policy_free(ractx.policy);
		ractx.policy = NULL;
	}
	ra_hostfile_flush();
}

/* clientloop.c: when the client loop must wake up for us; 0: never. */
time_t
ra_client_reattest_time(void)
{
	if (!rareat.active)
		return 0;
	return rareat.inflight ? rareat.deadline : rareat.next;
}

/*
 * clientloop.c, once per turn of the loop: send the next token request
 * when it is due, refuse the server when the answer is late.  A request
 * made during a key exchange waits in the packet layer's queue.
 */
void
ra_client_reattest_poll(struct ssh *ssh)
{
	time_t now;
	int r;

	if (!rareat.active)
		return;
	now = monotime();
	if (rareat.inflight) {
		if (now >= rareat.deadline)
			ra_fail(ssh, "no evidence within %d seconds (repeated "
			    "attestation)", options.attestation_timeout > 0 ?
			    options.attestation_timeout :
			    options.attestation_interval);
		return;
	}
	if (now < rareat.next)
		return;
	ra_send_token_request(ssh);
	rareat.inflight = 1;
	/* AttestationTimeout none: an interval without an answer is enough */
	rareat.deadline = now + (options.attestation_timeout > 0 ?
	    options.attestation_timeout : options.attestation_interval);
	if ((r = ssh_packet_write_poll(ssh)) != 0)
		ra_fail(ssh, "connection lost: %s", ssh_err(r));
}

static int
ra_input_reattest_response(int type, u_int32_t seq, struct ssh *ssh)
{
	if (!rareat.inflight)
		ra_fail(ssh, "unexpected token response");
	ra_verify_token_response(ssh);
	rareat.inflight = 0;
	rareat.count++;
	rareat.next = monotime() + options.attestation_interval;
	debug("ra-ssh: repeated attestation %u accepted, next in %d s",
	    rareat.count, options.attestation_interval);
	return 0;
}

/* clientloop.c: the answers to repeated token requests. */
void
ra_client_init_dispatch(struct ssh *ssh)
{
	if (rareat.active)
		ssh_dispatch_set(ssh, SSH2_MSG_RA_TOKEN_RESPONSE,
		    &ra_input_reattest_response);
}

/*
 * ssh.c: the host name as Host patterns should also see it, lowercased and
 * without trailing dots; NULL when that is the name as typed.
 */
char *
ra_host_normalise(const char *typed)
{
	char *s;
	size_t n;

	s = xstrdup(typed);
	lowercase(s);
	for (n = strlen(s); n > 1 && s[n - 1] == '.'; n--)
		s[n - 1] = '\0';
	if (strcmp(s, typed) == 0 || *s == '.') {
		free(s);
		return NULL;
	}
	return s;
}

/*
 * ssh.c, before connecting: a policy file that is missing, unreadable or
 * that anyone but the user or root could have written (the library's
 * rule, docs/policy.md) is the user's own problem, reported before anything
 * is sent.  The full parse costs a few ms and runs while the server works
 * (ra_client_attest).  ssh -G (dump) parses it fully and reports a problem
 * on stderr without failing, as it does not fail for a missing IdentityFile.
 */
void
ra_client_check_policy(const char *policy, int dump)
{
	struct ra_policy *pol = NULL;
	struct stat st;
	char err[512], *path;
	const char *why = NULL;
	int fd;

	if (policy == NULL)
		return;		/* the built-in policy */
	path = tilde_expand_filename(policy, getuid());
	/* As the library opens it: a FIFO must not hang us */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY)) == -1 ||
	    fstat(fd, &st) == -1)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	if (fd != -1)
		close(fd);
	if (why == NULL &&
	    ra_check_trust_file(path, err, sizeof(err)) != RA_OK) {
		/* "bad owner or permissions on P: ..." names the path */
		if (!dump)
			fatal("AttestationPolicy: %s", ra_policy_err(err));
		error("AttestationPolicy: %s", ra_policy_err(err));
	} else if (why != NULL) {
		if (!dump)
			fatal("AttestationPolicy: %s: %s", path, why);
		error("AttestationPolicy: %s: %s", path, why);
	} else if (dump) {
		if (ra_policy_load(path, &pol, err, sizeof(err)) != RA_OK)
			error("AttestationPolicy: %s", ra_policy_err(err));
		ra_policy_free(pol);
	}
	free(path);
}
