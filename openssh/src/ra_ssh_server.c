/*
 * ra-ssh server: the "ra-ssh-attestation" service.  The unprivileged
 * post-auth child parses the client's token request and asks the
 * privileged monitor for evidence; the monitor computes the binding from
 * its own copy of the session id and calls the attestation library.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#include "includes.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xmalloc.h"
#include "atomicio.h"
#include "pathnames.h"
#include "ssh2.h"
#include "sshbuf.h"
#include "sshkey.h"
#include "packet.h"
#include "dispatch.h"
#include "kex.h"
#include "log.h"
#include "misc.h"
#include "ssherr.h"
#include "hostfile.h"
#include "auth.h"
#include "servconf.h"
#include "monitor_wrap.h"
#include "digest.h"
#include "atomicio.h"
#include "ra_ssh.h"

#include "ra_attest.h"

extern ServerOptions options;
extern Authctxt *the_authctxt;

static int ra_service_accepted;
static struct ra_rate ra_requests;

static const char *
ra_user(void)
{
	if (the_authctxt == NULL || the_authctxt->user == NULL)
		return "(unknown)";
	return the_authctxt->user;
}

static int
ra_input_token_request(int type, u_int32_t seq, struct ssh *ssh)
{
	struct ra_token_request req;
	struct sshbuf *evidence = NULL, *resp;
	struct sshkey *hostkey;
	char *sent;
	int r, st;

	if (!ra_rate_take(&ra_requests))
		ssh_packet_disconnect(ssh, "too many attestation requests");
	if ((resp = sshbuf_new()) == NULL)
		fatal_f("sshbuf_new failed");
	ra_token_request_read(ssh, &req);
	if (req.version != RA_SSH_PROTO_VERSION) {
		verbose("ra-ssh: token request version %u unsupported",
		    req.version);
		if ((r = ra_token_response_put_status(resp,
		    RA_SSH_STATUS_UNSUPPORTED,
		    "unsupported protocol version")) != 0)
			goto out;
		r = ra_send_response(ssh, resp);
		goto out;
	}

	/* The host key this session's key exchange was signed with. */
	hostkey = get_hostkey_public_by_type(ssh->kex->hostkey_type,
	    ssh->kex->hostkey_nid, ssh);
	if (hostkey == NULL)
		fatal_f("no public host key for this session");

	if ((evidence = sshbuf_new()) == NULL)
		fatal_f("sshbuf_new failed");
	/* AttestationCache, for a client that says it accepts it */
	if (options.attestation_cache > 0 &&
	    ra_name_in_list(RA_SSH_ITEM_CACHED_BINDING, req.kinds))
		st = mm_ra_cached_evidence(hostkey, evidence);
	else
		st = mm_ra_evidence(req.nonce, sizeof(req.nonce), hostkey,
		    evidence);
	if (st != RA_COLLECT_OK)
		r = ra_token_response_put_status(resp, RA_SSH_STATUS_FAILED,
		    ra_collect_reason(st));
	else
		r = ra_token_response_put_items(resp, evidence, req.kinds);
	if (r != 0 || (r = ra_send_response(ssh, resp)) != 0)
		goto out;
	/* One line per attestation served; a failure is the monitor's line */
	if (st == RA_COLLECT_OK) {
		sent = ra_token_response_types(resp);
		logit("ra-ssh: attestation for user %s: sent %s", ra_user(),
		    sent);
		free(sent);
	}
	r = 0;
 out:
	ra_token_request_free(&req);
	sshbuf_free(resp);
	sshbuf_free(evidence);
	return r;
}

/*
 * SSH2_MSG_SERVICE_REQUEST after authentication.  Only our service is
 * known there; anything else (and our service when no provider is
 * configured) gets the same UNIMPLEMENTED reply stock sshd gives.
 */
int
ra_server_input_service_request(int type, u_int32_t seq, struct ssh *ssh)
{
	char *service = NULL;
	int r;

	if ((r = sshpkt_get_cstring(ssh, &service, NULL)) != 0 ||
	    (r = sshpkt_get_end(ssh)) != 0)
		goto out;
	if (strcmp(service, RA_SSH_SERVICE) != 0) {
		debug("ra-ssh: refusing service request \"%.100s\"", service);
		r = dispatch_protocol_error(type, seq, ssh);
		goto out;
	}
	if (strcmp(options.attestation_provider, "none") == 0) {
		/* The reply stock sshd gives, with a line that says why */
		debug("ra-ssh: refusing service request \"%.100s\"", service);
		logit("ra-ssh: user %s asked for attestation but "
		    "AttestationProvider is none", ra_user());
		if ((r = sshpkt_start(ssh, SSH2_MSG_UNIMPLEMENTED)) != 0 ||
		    (r = sshpkt_put_u32(ssh, seq)) != 0 ||
		    (r = sshpkt_send(ssh)) != 0)
			sshpkt_fatal(ssh, r, "%s", __func__);
		r = 0;
		goto out;
	}
	if ((r = ra_service_accept(ssh, &ra_service_accepted,
	    &ra_input_token_request)) != 0)
		goto out;
	debug("ra-ssh: service accepted");
	r = 0;
 out:
	free(service);
	return r;
}

/*
 * Every key exchange resets the transport-range handlers (1-49), so after
 * a rekey SERVICE_REQUEST would be a protocol error again.  Before each
 * packet, outside a key exchange, make sure its handler is there.
 */
static int
ra_server_input_hook(struct ssh *ssh, struct sshbuf *packet, u_char *typep,
    void *ctx)
{
	if (!ssh_packet_is_rekeying(ssh))
		ssh_dispatch_set(ssh, SSH2_MSG_SERVICE_REQUEST,
		    &ra_server_input_service_request);
	return 0;
}

/*
 * Does the configured provider run libexec/ssh-attest-helper in the
 * production child?  The tpm2-tss providers always, any provider with an
 * attestation service for its POST, named by AttestationService or by the
 * provider's ";service=" option (docs/design.md, "Privilege and library
 * model").  The library's provider table knows which: no provider is
 * named here (issue 10).
 */
static int
ra_provider_needs_helper(void)
{
	return ra_provider_uses_helper(options.attestation_provider,
	    options.attestation_service) == 1;
}

/*
 * sshd-session, as the connection starts (patch 0019): the helper the
 * provider will need is started now, in the process that becomes the
 * monitor, so that its start-up (mapping libcurl's closure, tens of ms)
 * overlaps key exchange and authentication instead of following the
 * token request.  The production child takes it; the monitor kills and
 * reaps it after the first production (ra_monitor_collect_bound), the
 * post-auth child closes its copy of the socket (ra_server_init_dispatch)
 * and sshd-auth never sees it (close-on-exec).  Unused, it exits when
 * its idle bound passes or the monitor exits (its socket's last end
 * closes).  A failure here only costs the exec later.
 */
void
ra_server_session_start(void)
{
	char err[512];

	if (!ra_provider_needs_helper())
		return;
	if (ra_helper_prestart(err, sizeof(err)) != RA_OK)
		debug_f("attestation helper not started ahead: %s", err);
	else
		debug_f("attestation helper started ahead");
}

/* Post-auth dispatch: the attestation service. */
void
ra_server_init_dispatch(struct ssh *ssh)
{
	/* The monitor's helper: not the unprivileged child's or the user's */
	ra_helper_prestarted_drop();
	ssh_dispatch_set(ssh, SSH2_MSG_SERVICE_REQUEST,
	    &ra_server_input_service_request);
	ssh_packet_set_input_hook(ssh, &ra_server_input_hook, NULL);
	/*
	 * AttestationPreauth: the service may have been accepted on this
	 * connection before authentication, by the pre-auth process, and the
	 * client re-attests (AttestationInterval) without asking again.
	 */
	if (options.attestation_preauth &&
	    strcmp(options.attestation_provider, "none") != 0)
		ssh_dispatch_set(ssh, SSH2_MSG_RA_TOKEN_REQUEST,
		    &ra_input_token_request);
}

/*
 * Monitor side.  Each production runs under two server-wide bounds
 * (docs/design.md, "Server-wide bounds"): at most MaxAttestations at once
 * across all connections, and AttestationProviderTimeout, both for the
 * wait for a slot and for the production itself.
 *
 * A slot is a write lock on one byte of a lock file next to the PidFile.
 * Monitors are separate processes; the kernel drops a process's locks when
 * it exits, however it exits, so a killed monitor cannot leak a slot (a
 * semaphore would).  A lock file that cannot be opened refuses the
 * request rather than running it unbounded.  Every production (after
 * authentication, before it, and a cached record's renewal) goes through
 * ra_monitor_collect_bound(); the provider is opened and closed in the
 * production's child, so a repeated request (AttestationInterval) shows
 * the machine as it is now and no provider state outlives a request.
 */
static int
ra_slot_acquire(int max, const struct timespec *deadline, int *slotp)
{
	struct timespec now;
	struct flock fl;
	char *path;
	int fd, i;

	if (strcmp(options.pid_file, "none") == 0)
		xasprintf(&path, "%s/sshd.pid.attest", _PATH_SSH_PIDDIR);
	else
		xasprintf(&path, "%s.attest", options.pid_file);
	fd = open(path, O_RDWR|O_CREAT|O_NOFOLLOW|O_CLOEXEC, 0600);
	if (fd == -1) {
		error("ra-ssh: MaxAttestations lock %s: %s", path,
		    strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	for (;;) {
		for (i = 0; i < max; i++) {
			memset(&fl, 0, sizeof(fl));
			fl.l_type = F_WRLCK;
			fl.l_whence = SEEK_SET;
			fl.l_start = i;
			fl.l_len = 1;
			if (fcntl(fd, F_SETLK, &fl) == 0) {
				*slotp = i;
				return fd;
			}
			if (errno != EACCES && errno != EAGAIN) {
				error("ra-ssh: MaxAttestations lock: %s",
				    strerror(errno));
				close(fd);
				return -1;
			}
		}
		monotime_ts(&now);
		if (timespeccmp(&now, deadline, >=))
			break;
		usleep(20 * 1000);
	}
	close(fd);
	*slotp = -1;
	return -1;
}

/*
 * An attestation-service outage is logged once per RA_SSH_OUTAGE_LOG_INTERVAL
 * per AttestationProvider, not once per connection: each connection is its
 * own process, so the last time is a file's mtime.  Where that file cannot
 * be kept (sshd not run as root), every occurrence is logged.
 */
static int
ra_outage_log_due(const char *spec)
{
	u_char d[SSH_DIGEST_MAX_LENGTH];
	char *hex, *path;
	struct stat st;
	int fd, due = 1;

	if (ssh_digest_memory(SSH_DIGEST_SHA256, spec, strlen(spec),
	    d, sizeof(d)) != 0 || (hex = tohex(d, 8)) == NULL)
		return 1;
	xasprintf(&path, "%s/outage-%s", RA_SSH_STATE_DIR, hex);
	free(hex);
	if (mkdir(RA_SSH_STATE_DIR, 0700) == -1 && errno != EEXIST)
		goto out;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1)
		goto out;
	if (fstat(fd, &st) == 0 && st.st_size != 0 &&
	    st.st_mtime <= time(NULL) &&
	    time(NULL) - st.st_mtime < RA_SSH_OUTAGE_LOG_INTERVAL)
		due = 0;
	else if (ftruncate(fd, 0) != 0 || write(fd, "x", 1) != 1)
		due = 1;	/* could not record it: log anyway */
	close(fd);
 out:
	free(path);
	return due;
}

static void
ra_log_service_error(const char *spec, const uint8_t *data, size_t len)
{
	char why[RA_SSH_MAX_REASON_LEN + 1];
	size_t i;

	len = MINIMUM(len, sizeof(why) - 1);
	for (i = 0; i < len; i++)
		why[i] = isprint(data[i]) ? (char)data[i] : '?';
	why[len] = '\0';
	if (ra_outage_log_due(spec))
		error("ra-ssh: AttestationProvider %s: %s; sending the "
		    "evidence without a token (logged once per %d s)",
		    spec, why, RA_SSH_OUTAGE_LOG_INTERVAL);
	else
		debug("ra-ssh: AttestationProvider %s: %s", spec, why);
}

/* Open the provider and collect; the evidence items go to out. */
static int
ra_produce(const char *spec, const u_char binding[RA_SSH_BINDING_LEN],
    struct sshbuf *out)
{
	struct ra_provider *provider = NULL;
	struct ra_evidence *ev = NULL;
	char err[512], *libspec;
	const char *etype;
	const uint8_t *data;
	size_t i, n, len;
	int r, ret = -1;

	if ((libspec = ra_provider_libspec(spec,
	    options.trustauthority_cli_path, options.attestation_service,
	    options.attestation_service_ca, err, sizeof(err))) == NULL) {
		error("ra-ssh: AttestationProvider %s: %s; attestation "
		    "for user %s failed", spec, err, ra_user());
		return -1;
	}
	r = ra_provider_open(libspec, &provider, err, sizeof(err));
	free(libspec);
	if (r != RA_OK) {
		error("ra-ssh: AttestationProvider %s: %s; attestation "
		    "for user %s failed", spec, err, ra_user());
		return -1;
	}
	if ((ev = ra_evidence_new()) == NULL)
		fatal_f("ra_evidence_new failed");
	if (ra_provider_collect(provider, binding, ev,
	    err, sizeof(err)) != RA_OK) {
		error("ra-ssh: AttestationProvider %s: %s; attestation "
		    "for user %s failed", spec, err, ra_user());
		goto out;
	}
	n = ra_evidence_count(ev);
	if (n > RA_SSH_MAX_ITEMS) {
		error_f("provider returned %zu items", n);
		goto out;
	}
	if ((r = sshbuf_put_u32(out, (u_int)n)) != 0)
		fatal_fr(r, "assemble");
	for (i = 0; i < n; i++) {
		if (ra_evidence_get(ev, i, &etype, &data, &len) != RA_OK)
			fatal_f("ra_evidence_get %zu", i);
		if (strcmp(etype, RA_SSH_ITEM_SERVICE_ERROR) == 0)
			ra_log_service_error(spec, data, len);
		if ((r = sshbuf_put_cstring(out, etype)) != 0 ||
		    (r = sshbuf_put_string(out, data, len)) != 0)
			fatal_fr(r, "assemble");
	}
	/* The response adds its version and status words: 8 bytes */
	if (sshbuf_len(out) > RA_SSH_MAX_RESPONSE - 8) {
		error_f("evidence of %zu bytes exceeds the response limit",
		    sshbuf_len(out));
		goto out;
	}
	ret = 0;
 out:
	ra_evidence_free(ev);
	ra_provider_free(provider);
	return ret;
}

/*
 * Run ra_produce in a child of the monitor, in a process group of its
 * own, and read its result until the deadline.  A provider that hangs
 * (a stuck device read, a CLI or service that never answers) is killed
 * with everything it started; the monitor's own state is untouched, so
 * the connection carries on.  The child has the monitor's privileges and
 * memory, as the in-process call had.
 */
static int
ra_produce_bounded(const char *spec, const u_char binding[RA_SSH_BINDING_LEN],
    const struct timespec *deadline, struct sshbuf *out)
{
	struct timespec now, left;
	struct pollfd pfd;
	u_char buf[8192];
	pid_t pid;
	ssize_t n;
	int p[2], status, r, ret = RA_COLLECT_FAILED;

	if (pipe(p) == -1)
		fatal_f("pipe: %s", strerror(errno));
	if ((pid = fork()) == -1)
		fatal_f("fork: %s", strerror(errno));
	if (pid == 0) {
		struct sshbuf *b;

		close(p[0]);
		(void)setpgid(0, 0);
		/* The monitor's handlers would signal the session child. */
		ssh_signal(SIGHUP, SIG_DFL);
		ssh_signal(SIGTERM, SIG_DFL);
		ssh_signal(SIGINT, SIG_DFL);
		if ((b = sshbuf_new()) == NULL)
			_exit(1);
		r = ra_produce(spec, binding, b);
		if (r == 0 && atomicio(vwrite, p[1], (void *)sshbuf_ptr(b),
		    sshbuf_len(b)) != sshbuf_len(b))
			r = -1;
		_exit(r == 0 ? 0 : 1);
	}
	(void)setpgid(pid, pid);	/* either side may win the race */
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	for (;;) {
		monotime_ts(&now);
		if (timespeccmp(&now, deadline, >=)) {
			ret = RA_COLLECT_TIMEOUT;
			break;
		}
		timespecsub(deadline, &now, &left);
		if ((r = ppoll(&pfd, 1, &left, NULL)) == -1 && errno != EINTR)
			fatal_f("poll: %s", strerror(errno));
		if (r <= 0)
			continue;
		if ((n = read(p[0], buf, sizeof(buf))) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			error_f("read: %s", strerror(errno));
			break;
		}
		if (n == 0) {
			ret = RA_COLLECT_OK;
			break;
		}
		if (sshbuf_len(out) + (size_t)n > RA_SSH_MAX_RESPONSE) {
			error_f("provider process sent too much");
			break;
		}
		if ((r = sshbuf_put(out, buf, (size_t)n)) != 0)
			fatal_fr(r, "assemble");
	}
	close(p[0]);
	explicit_bzero(buf, sizeof(buf));
	if (ret != RA_COLLECT_OK) {
		(void)kill(-pid, SIGKILL);
		(void)kill(pid, SIGKILL);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			fatal_f("waitpid: %s", strerror(errno));
	if (ret == RA_COLLECT_OK &&
	    (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		ret = RA_COLLECT_FAILED;
	return ret;
}

/*
 * The provider's evidence for binding, as the monitor's item list, under
 * the MaxAttestations slot and the AttestationProviderTimeout deadline.
 * Returns RA_COLLECT_*.
 */
static int
ra_monitor_collect_bound(const char *spec,
    const u_char binding[RA_SSH_BINDING_LEN], struct sshbuf *out)
{
	struct timespec deadline, wait;
	int lockfd, slot = 0, ret;

	wait.tv_sec = options.attestation_provider_timeout;
	wait.tv_nsec = 0;
	monotime_ts(&deadline);
	timespecadd(&deadline, &wait, &deadline);
	if ((lockfd = ra_slot_acquire(options.max_attestations, &deadline,
	    &slot)) == -1) {
		if (slot != -1)
			return RA_COLLECT_FAILED;
		logit("ra-ssh: attestation refused: MaxAttestations (%d) "
		    "productions still running after waiting %ds",
		    options.max_attestations,
		    options.attestation_provider_timeout);
		return RA_COLLECT_BUSY;
	}
	debug_f("production in slot %d", slot);
	monotime_ts(&deadline);
	timespecadd(&deadline, &wait, &deadline);
	if (ra_helper_prestarted_ready())
		debug_f("production takes the helper started ahead");
	ret = ra_produce_bounded(spec, binding, &deadline, out);
	ra_helper_prestarted_end();	/* used or not, killed and reaped */
	close(lockfd);		/* releases the slot */
	if (ret == RA_COLLECT_TIMEOUT)
		logit("ra-ssh: AttestationProvider %s timed out after %ds; "
		    "its process was killed", spec,
		    options.attestation_provider_timeout);
	else if (ret == RA_COLLECT_OK)
		debug_f("produced evidence");
	if (ret != RA_COLLECT_OK)
		sshbuf_reset(out);
	return ret;
}

int
ra_monitor_collect(const char *spec, const u_char *sid, size_t sidlen,
    const u_char *nonce, size_t noncelen, const struct sshkey *hostkey,
    struct sshbuf *out)
{
	u_char binding[RA_SSH_BINDING_LEN];
	int r;

	if (strcmp(spec, "none") == 0) {
		error_f("no AttestationProvider configured");
		return RA_COLLECT_FAILED;
	}
	if ((r = ra_ssh_binding(sid, sidlen, nonce, noncelen, hostkey,
	    binding)) != 0) {
		error_fr(r, "binding");
		return RA_COLLECT_FAILED;
	}
	r = ra_monitor_collect_bound(spec, binding, out);
	explicit_bzero(binding, sizeof(binding));
	return r;
}

/*
 * AttestationCache.  Each connection's monitor is its own process, so the
 * cache is a file per provider and host key in RA_SSH_STATE_DIR (root's):
 * uint64 made_at, string random, then the monitor's item list.  Written
 * to a temporary file and renamed; read only if it is a regular file of
 * ours, private and bounded.  Where it cannot be kept (sshd not root),
 * every request makes its evidence afresh, still with the cached binding.
 */
static char *
ra_cache_path(const char *spec, const struct sshkey *hostkey)
{
	struct sshbuf *b;
	u_char d[SSH_DIGEST_MAX_LENGTH];
	char *hex, *path, *libspec, why[256];
	int r;

	/*
	 * Named by the provider as it is opened (AttestationService,
	 * AttestationServiceCA and TrustauthorityCliPath included), so a
	 * changed service is not answered with the old one's record.
	 */
	if ((libspec = ra_provider_libspec(spec,
	    options.trustauthority_cli_path, options.attestation_service,
	    options.attestation_service_ca, why, sizeof(why))) == NULL)
		libspec = xstrdup(spec);
	if ((b = sshbuf_new()) == NULL)
		fatal_f("sshbuf_new failed");
	r = sshbuf_put_cstring(b, libspec);
	free(libspec);
	if (r != 0 ||
	    (r = sshkey_puts(hostkey, b)) != 0 ||
	    (r = ssh_digest_buffer(SSH_DIGEST_SHA256, b, d, sizeof(d))) != 0)
		fatal_fr(r, "cache name");
	sshbuf_free(b);
	if ((hex = tohex(d, 16)) == NULL)
		fatal_f("tohex failed");
	xasprintf(&path, "%s/cache-%s", RA_SSH_STATE_DIR, hex);
	free(hex);
	return path;
}

/*
 * A record's item list as the monitor made it: fewer than RA_SSH_MAX_ITEMS
 * items (the cached binding's is added), each a type of 1 to
 * RA_SSH_MAX_TYPE_LEN bytes and its data, nothing after them.  A record
 * that is not (truncated, corrupt) is no record: it is made again, rather
 * than sent until it ages out and failing every connection meanwhile.
 * *degraded: it has a service-error item (made during an outage of the
 * attestation service, so without its token).
 */
static int
ra_cache_items_valid(const struct sshbuf *items, int *degraded)
{
	struct sshbuf *b;
	const u_char *type;
	size_t tlen;
	u_int i, n;
	int ok = 0;

	*degraded = 0;
	if ((b = sshbuf_fromb((struct sshbuf *)items)) == NULL)
		fatal_f("sshbuf_fromb failed");
	if (sshbuf_get_u32(b, &n) != 0 || n >= RA_SSH_MAX_ITEMS)
		goto out;
	for (i = 0; i < n; i++) {
		if (sshbuf_get_string_direct(b, &type, &tlen) != 0 ||
		    tlen == 0 || tlen > RA_SSH_MAX_TYPE_LEN ||
		    sshbuf_skip_string(b) != 0)
			goto out;
		if (tlen == strlen(RA_SSH_ITEM_SERVICE_ERROR) &&
		    memcmp(type, RA_SSH_ITEM_SERVICE_ERROR, tlen) == 0)
			*degraded = 1;
	}
	ok = sshbuf_len(b) == 0;
 out:
	sshbuf_free(b);
	return ok;
}

/* The cached record, if there is one younger than maxage seconds. */
static int
ra_cache_read(const char *path, int maxage, uint64_t *made_at,
    u_char rnd[RA_SSH_NONCE_LEN], struct sshbuf *items, int *degraded)
{
	struct sshbuf *b = NULL;
	struct stat st;
	const u_char *p;
	size_t len;
	time_t now = time(NULL);
	int fd, r = -1;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0 ||
	    st.st_nlink != 1 || st.st_size > RA_SSH_MAX_RESPONSE + 64 ||
	    sshbuf_load_fd(fd, &b) != 0)
		goto out;
	if (sshbuf_get_u64(b, made_at) != 0 ||
	    sshbuf_get_string_direct(b, &p, &len) != 0 ||
	    len != RA_SSH_NONCE_LEN || sshbuf_putb(items, b) != 0)
		goto out;
	if (!ra_cache_items_valid(items, degraded)) {
		debug_f("%s: malformed record, not used", path);
		goto out;
	}
	memcpy(rnd, p, len);
	if (*made_at > (uint64_t)now || (uint64_t)now - *made_at >=
	    (uint64_t)maxage)
		goto out;
	r = 0;
 out:
	if (r != 0)
		sshbuf_reset(items);
	sshbuf_free(b);
	close(fd);
	return r;
}

static void
ra_cache_write(const char *path, uint64_t made_at,
    const u_char rnd[RA_SSH_NONCE_LEN], const struct sshbuf *items)
{
	struct sshbuf *b;
	char *tmp;
	int fd, r;

	if (mkdir(RA_SSH_STATE_DIR, 0700) == -1 && errno != EEXIST)
		return;
	xasprintf(&tmp, "%s.XXXXXXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		debug_f("%s: %s", tmp, strerror(errno));
		free(tmp);
		return;
	}
	if ((b = sshbuf_new()) == NULL)
		fatal_f("sshbuf_new failed");
	if ((r = sshbuf_put_u64(b, made_at)) != 0 ||
	    (r = sshbuf_put_string(b, rnd, RA_SSH_NONCE_LEN)) != 0 ||
	    (r = sshbuf_putb(b, items)) != 0)
		fatal_fr(r, "assemble");
	if (fchmod(fd, 0600) != 0 ||
	    atomicio(vwrite, fd, sshbuf_mutable_ptr(b), sshbuf_len(b)) !=
	    sshbuf_len(b) ||
	    fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		debug_f("%s: %s", path, strerror(errno));
		unlink(tmp);
	}
	sshbuf_free(b);
	free(tmp);
}

/*
 * The lock that makes renewals single-flight: a write lock on
 * "cache-HEX.lock" beside the record (fcntl, so the kernel drops it with
 * its process, however that ends).  Returns the locked descriptor, -1
 * when another process holds it (*busy set) or it cannot be had (sshd not
 * root: every request then makes its own evidence).
 */
static int
ra_cache_lock(const char *path, int *busy)
{
	struct flock fl;
	char *lpath;
	int fd;

	*busy = 0;
	if (mkdir(RA_SSH_STATE_DIR, 0700) == -1 && errno != EEXIST)
		return -1;
	xasprintf(&lpath, "%s.lock", path);
	fd = open(lpath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	free(lpath);
	if (fd == -1)
		return -1;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) == 0)
		return fd;
	*busy = errno == EACCES || errno == EAGAIN;
	close(fd);
	return -1;
}

/* Make a record now: made_at, a random value, the provider's items. */
static int
ra_cache_make(const char *spec, const struct sshkey *hostkey,
    const char *path, uint64_t *made_at, u_char rnd[RA_SSH_NONCE_LEN],
    struct sshbuf *items)
{
	u_char binding[RA_SSH_BINDING_LEN];
	int r, ret;

	*made_at = (uint64_t)time(NULL);
	arc4random_buf(rnd, RA_SSH_NONCE_LEN);
	if ((r = ra_ssh_cached_binding(hostkey, *made_at, rnd,
	    RA_SSH_NONCE_LEN, binding)) != 0)
		fatal_fr(r, "cached binding");
	sshbuf_reset(items);
	ret = ra_monitor_collect_bound(spec, binding, items);
	explicit_bzero(binding, sizeof(binding));
	if (ret != RA_COLLECT_OK)
		return ret;
	if (path != NULL)
		ra_cache_write(path, *made_at, rnd, items);
	/* Once per period: the count of provider calls, for operators */
	logit("ra-ssh: AttestationCache: evidence made at %llu",
	    (unsigned long long)*made_at);
	return RA_COLLECT_OK;
}

/*
 * No record young enough: make one, once for all the connections that
 * want it.  The first takes the lock and makes it; the others wait for
 * the lock or a record, whichever comes first, for as long as the maker
 * may take (a slot, then the production: twice AttestationProviderTimeout).
 */
static int
ra_cache_renew(const char *spec, int maxage, const struct sshkey *hostkey,
    const char *path, uint64_t *made_at, u_char rnd[RA_SSH_NONCE_LEN],
    struct sshbuf *items)
{
	time_t deadline = monotime() + 2 * options.attestation_provider_timeout + 1;
	int fd, busy, ret, degraded;

	for (;;) {
		if ((fd = ra_cache_lock(path, &busy)) != -1)
			break;
		if (!busy)	/* no cache here: our own evidence */
			return ra_cache_make(spec, hostkey, NULL, made_at,
			    rnd, items);
		if (monotime() >= deadline) {
			logit("ra-ssh: AttestationCache: evidence still being "
			    "made by another connection after %ds",
			    2 * options.attestation_provider_timeout);
			return RA_COLLECT_TIMEOUT;
		}
		usleep(10 * 1000);
		if (ra_cache_read(path, maxage, made_at, rnd, items,
		    &degraded) == 0)
			return RA_COLLECT_OK;	/* made meanwhile */
	}
	/* Another connection may have made it between our read and lock */
	if (ra_cache_read(path, maxage, made_at, rnd, items, &degraded) == 0)
		ret = RA_COLLECT_OK;
	else
		ret = ra_cache_make(spec, hostkey, path, made_at, rnd, items);
	close(fd);		/* releases the lock */
	return ret;
}

/*
 * The renewing process outlives the connection that started it: it keeps
 * no descriptor of the connection (the client's socket, the pipes to the
 * session child and to the listener, whose MaxStartups count would wait
 * for it), only files such as sshd's -E log.
 */
static void
ra_detach_fds(void)
{
	struct stat st;
	int fd, devnull, max = (int)sysconf(_SC_OPEN_MAX);

	if (max < 0 || max > 4096)
		max = 4096;
	if ((devnull = open(_PATH_DEVNULL, O_RDWR)) == -1)
		_exit(1);
	for (fd = 0; fd < max; fd++) {
		if (fd == devnull || fstat(fd, &st) == -1 ||
		    (!S_ISSOCK(st.st_mode) && !S_ISFIFO(st.st_mode)))
			continue;
		if (fd <= STDERR_FILENO)
			(void)dup2(devnull, fd);
		else
			close(fd);
	}
	if (devnull > STDERR_FILENO)
		close(devnull);
}

/*
 * A record past half its period: renewed in the background by a
 * grandchild of the monitor, so that the connection that noticed does not
 * wait and no connection pays a provider call while the cache is in use.
 * At most one renewal at a time (the lock); the record is sent meanwhile.
 */
static void
ra_cache_renew_background(const char *spec, int renew_age,
    const struct sshkey *hostkey, const char *path, uint64_t seen)
{
	u_char rnd[RA_SSH_NONCE_LEN];
	struct sshbuf *items;
	uint64_t made_at;
	pid_t pid;
	int fd, busy, status, degraded;

	if ((pid = fork()) == -1) {
		error_f("fork: %s", strerror(errno));
		return;
	}
	if (pid != 0) {
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		return;
	}
	/* The first child leaves at once; its child is init's */
	if (fork() != 0)
		_exit(0);
	(void)setsid();
	ssh_signal(SIGHUP, SIG_DFL);
	ssh_signal(SIGTERM, SIG_DFL);
	ssh_signal(SIGINT, SIG_DFL);
	ssh_signal(SIGCHLD, SIG_DFL);
	ra_helper_prestarted_drop();	/* the monitor's; before its fd goes */
	ra_detach_fds();
	if ((fd = ra_cache_lock(path, &busy)) == -1)
		_exit(0);	/* being renewed, or no cache */
	if ((items = sshbuf_new()) == NULL)
		_exit(1);
	/* Renewed already by someone else since we looked? */
	if (ra_cache_read(path, renew_age, &made_at, rnd, items,
	    &degraded) == 0 && made_at != seen)
		_exit(0);
	debug_f("renewing the evidence made at %llu",
	    (unsigned long long)seen);
	_exit(ra_cache_make(spec, hostkey, path, &made_at, rnd, items) ==
	    RA_COLLECT_OK ? 0 : 1);
}

/*
 * Evidence for AttestationCache: the cached record for this host key while
 * it is younger than 3/4 of the period (so what is sent is never older
 * than the period), renewed in the background once it is half the period
 * old, and made here (once for all waiting connections) when there is
 * none.  The item list gets one more item: the binding's inputs
 * (RA_SSH_ITEM_CACHED_BINDING).  Returns RA_COLLECT_*.
 */
int
ra_monitor_cached(const char *spec, int period, const struct sshkey *hostkey,
    struct sshbuf *out)
{
	struct sshbuf *items;
	u_char rnd[RA_SSH_NONCE_LEN];
	u_char inputs[RA_SSH_CACHED_BINDING_LEN];
	uint64_t made_at;
	char *path;
	u_int n;
	int r, ret = RA_COLLECT_FAILED, maxage = period - period / 4;
	int renew_age = period / 2, degraded;

	if (strcmp(spec, "none") == 0 || period <= 0)
		return RA_COLLECT_FAILED;
	if (maxage < 1)
		maxage = 1;
	if ((items = sshbuf_new()) == NULL)
		fatal_f("sshbuf_new failed");
	path = ra_cache_path(spec, hostkey);
	if (ra_cache_read(path, maxage, &made_at, rnd, items,
	    &degraded) == 0) {
		debug_f("cached evidence made at %llu%s",
		    (unsigned long long)made_at, degraded ?
		    ", without the attestation service's token" : "");
		/*
		 * Made during an outage of the attestation service: sent (it
		 * is what there is) but renewed at once, so that clients
		 * that need the token do not wait half a period for it.
		 */
		if (degraded || (renew_age > 0 &&
		    (uint64_t)time(NULL) - made_at >= (uint64_t)renew_age))
			ra_cache_renew_background(spec, renew_age, hostkey,
			    path, made_at);
	} else if ((ret = ra_cache_renew(spec, maxage, hostkey, path,
	    &made_at, rnd, items)) != RA_COLLECT_OK)
		goto out;
	ret = RA_COLLECT_FAILED;
	POKE_U64(inputs, made_at);
	memcpy(inputs + 8, rnd, sizeof(rnd));
	if ((r = sshbuf_get_u32(items, &n)) != 0 || n >= RA_SSH_MAX_ITEMS) {
		error_f("bad cached item list");
		goto out;
	}
	if ((r = sshbuf_put_u32(out, n + 1)) != 0 ||
	    (r = sshbuf_putb(out, items)) != 0 ||
	    (r = sshbuf_put_cstring(out, RA_SSH_ITEM_CACHED_BINDING)) != 0 ||
	    (r = sshbuf_put_string(out, inputs, sizeof(inputs))) != 0)
		fatal_fr(r, "assemble");
	if (sshbuf_len(out) > RA_SSH_MAX_RESPONSE - 8) {
		error_f("cached evidence exceeds the response limit");
		goto out;
	}
	ret = RA_COLLECT_OK;
 out:
	ra_helper_prestarted_end();	/* a cache hit did not need it */
	sshbuf_free(items);
	free(path);
	return ret;
}
