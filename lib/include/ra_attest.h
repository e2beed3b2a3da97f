/*
 * ra_attest.h: the C interface of the ra-ssh attestation library.
 *
 * The library produces evidence for a 64-byte binding value (attester side)
 * and verifies evidence against a binding value and a policy (relying-party
 * side).  It knows nothing about SSH: the caller computes the binding
 * (ra-ssh: SHA-512 over the session id, nonce and host key, see DESIGN).
 *
 * Conventions:
 *  - every function returns RA_OK (0) or a negative ra_status;
 *  - functions taking (err, errlen) write one NUL-terminated line naming the
 *    check that failed (never more than errlen bytes, errlen may be 0);
 *  - nothing is printed: diagnostics come back through err only;
 *  - objects are opaque; each _new/_open/_load has a matching _free that
 *    accepts NULL.
 *  - the library is thread-compatible: distinct objects may be used from
 *    distinct threads; one object must not be used concurrently.
 */
#ifndef RA_ATTEST_H
#define RA_ATTEST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RA_BINDING_LEN		64	/* bytes that go into the hardware report */

/* Evidence item types, as carried on the wire (ASCII, no spaces/commas). */
#define RA_EVIDENCE_TDX_QUOTE	"tdx-quote"	/* raw Intel TDX quote v4/v5 */
/* A TDX quote whose REPORTDATA is SHA-512(binding), as Intel Trust
 * Authority's client makes them (provider trustauthority-cli). */
#define RA_EVIDENCE_TDX_QUOTE_SHA512 "tdx-quote-sha512"
#define RA_EVIDENCE_MAA_TOKEN	"maa-token"	/* Azure Attestation JWT (TDX or SNP CVM) */
/* A TDX quote made the Azure way: REPORTDATA[0:32] = SHA-256 of its
 * companion "azure-runtime-data" item (the runtime JSON carrying the
 * binding as "user-data"). */
#define RA_EVIDENCE_AZURE_TDX_QUOTE "azure-tdx-quote"
#define RA_EVIDENCE_AZURE_RUNTIME_DATA "azure-runtime-data"
/* Companion of the TDX quote kinds: the ACPI CCEL table (56 bytes) then
 * the used part of its event log area (RTMR0-3 events, docs/protocol.md). */
#define RA_EVIDENCE_TDX_EVENTLOG "tdx-eventlog"
/* AMD SEV-SNP: the ATTESTATION_REPORT (REPORT_DATA = binding), with the
 * extended report's certificate table, or a DER/PEM VCEK/VLEK alone. */
#define RA_EVIDENCE_SNP_REPORT	"snp-report"
#define RA_EVIDENCE_SNP_CERTS	"snp-certs"
#define RA_EVIDENCE_SNP_VCEK	"snp-vcek"
/* An SNP report made the Azure way (an SNP CVM's HCL report):
 * REPORT_DATA[0:32] = SHA-256 of its companion "azure-runtime-data". */
#define RA_EVIDENCE_AZURE_SNP_REPORT "azure-snp-report"
/* A TPM 2.0 quote (TPMS_ATTEST, extraData = the binding) and the items
 * that travel with it (issue 11, docs/protocol.md). */
#define RA_EVIDENCE_TPM_QUOTE "tpm-quote"
#define RA_EVIDENCE_TPM_SIGNATURE "tpm-signature"
#define RA_EVIDENCE_TPM_PCRS "tpm-pcrs"
#define RA_EVIDENCE_TPM_EVENTLOG "tpm-eventlog"
#define RA_EVIDENCE_IMA_LOG "ima-log"
#define RA_EVIDENCE_TPM_AK_CERT "tpm-ak-cert"
#define RA_EVIDENCE_AZURE_HCL_REPORT "azure-hcl-report"
/* Not evidence: the server's one-line reason why an attestation service's
 * token it would have sent is missing (the service failed). */
#define RA_EVIDENCE_SERVICE_ERROR "service-error"

/*
 * Hard limits.  A producer never emits more; a consumer refuses more before
 * reading the payload.  The whole response is also bounded by the caller.
 */
#define RA_MAX_EVIDENCE_ITEMS	16
#define RA_MAX_EVIDENCE_TYPE_LEN 64
#define RA_MAX_EVIDENCE_ITEM_LEN (256 * 1024)

enum ra_status {
	RA_OK = 0,
	RA_ERR_INVALID = -1,	/* malformed argument or input */
	RA_ERR_REFUSED = -2,	/* evidence parsed but does not satisfy a check */
	RA_ERR_PROVIDER = -3,	/* evidence could not be produced */
	RA_ERR_POLICY = -4,	/* policy file unreadable or invalid */
	RA_ERR_INTERNAL = -5	/* allocation or library failure */
};

/* ---- Evidence: an ordered list of typed, opaque items ---- */

struct ra_evidence;

struct ra_evidence *ra_evidence_new(void);
void ra_evidence_free(struct ra_evidence *ev);
/* Copies data.  Refuses type names or lengths beyond the limits above. */
int ra_evidence_add(struct ra_evidence *ev, const char *type,
    const uint8_t *data, size_t len, char *err, size_t errlen);
size_t ra_evidence_count(const struct ra_evidence *ev);
/* Pointers stay valid until ev is modified or freed. */
int ra_evidence_get(const struct ra_evidence *ev, size_t idx,
    const char **type, const uint8_t **data, size_t *len);

/* ---- Attester: evidence providers ---- */

struct ra_provider;

/*
 * spec: a provider name and its options, one of the forms of the provider
 * table (lib/src/provider/provider_registry.cpp; sshd_config(5)
 * AttestationProvider lists them all): "sim:DIR", "sim-azure:DIR[;...]",
 * "sim-snp:DIR", "configfs-tsm[:PATH]", "sev-guest[:DEVICE]",
 * "trustauthority-cli:PATH[;...]", "tpm[;...]" and "azure-vtpm[;...]"
 * (an Azure TDX or SEV-SNP CVM: vTPM, IMDS, THIM; options tcti, imds,
 * thim, lock, pcrs, banks, eventlog, ima, hclcache, cachedir, service,
 * ca, timeout).  ra_provider_spec_check() checks a spec's form alone.
 * Opening validates the spec and any files it names, and reaches the
 * device, so configuration errors show at start-up.
 */
int ra_provider_open(const char *spec, struct ra_provider **out,
    char *err, size_t errlen);
void ra_provider_free(struct ra_provider *p);
/* Appends the evidence for binding to out. */
int ra_provider_collect(struct ra_provider *p,
    const uint8_t binding[RA_BINDING_LEN], struct ra_evidence *out,
    char *err, size_t errlen);

/* ---- Relying party: policy and verification ---- */

struct ra_policy;

/*
 * Loads a policy file (format: docs/policy.md).  path NULL gives the
 * built-in default: TDX quotes chaining to the production Intel SGX Root
 * CA, debug TDs refused, no reference values.
 */
int ra_policy_load(const char *path, struct ra_policy **out,
    char *err, size_t errlen);
/*
 * RA_OK if path, and every directory from / to it, is owned by the
 * caller's effective uid or root and writable by neither group nor others
 * (links resolved first), as ra_policy_load requires of the policy and
 * the files it names; otherwise RA_ERR_POLICY and err says
 * "bad owner or permissions on P: why" or names P and the error.
 */
int ra_check_trust_file(const char *path, char *err, size_t errlen);
void ra_policy_free(struct ra_policy *pol);
/*
 * Where keys fetched from an attestation service's {Issuer}/certs are kept
 * between processes (ssh runs one per connection), unless the policy file
 * names IssuerKeyCache itself (a directory, or none).  dir NULL: no cache
 * on disk.  The directory is created (0700) if missing, its parent is not;
 * a cache that is unsafe or unusable is ignored, never an error.  ssh
 * passes ~/.ssh/ra-ssh-keys.  Returns RA_OK or RA_ERR_INVALID.
 */
int ra_policy_set_default_key_cache(struct ra_policy *pol, const char *dir,
    char *err, size_t errlen);
/*
 * The same for collateral fetched by `Collateral https://...`: where it is
 * kept between processes (ssh: ~/.ssh/ra-ssh-collateral) unless the
 * policy's CollateralCache says otherwise.  Same rules and returns.
 */
int ra_policy_set_default_collateral_cache(struct ra_policy *pol, const char *dir,
    char *err, size_t errlen);
/*
 * fn receives debug messages (one line, no newline) while pol verifies:
 * why a cached key set was not used, say.  Purely informational.  fn NULL:
 * silent (the default).
 */
void ra_policy_set_debug(struct ra_policy *pol,
    void (*fn)(void *ctx, const char *msg), void *ctx);
/* Comma-separated evidence types the policy can accept, e.g. "tdx-quote",
 * plus the companion items they need (azure-tdx-quote: azure-runtime-data):
 * the list a client asks the server for. */
const char *ra_policy_accepted_kinds(const struct ra_policy *pol);

/*
 * Cached evidence (ra-ssh AttestationCache, docs/design.md): evidence the
 * server made earlier for its host key, not for this session.
 * ra_policy_accepts_cached: 1 if the policy says AcceptCachedEvidence yes
 * (the client then asks for it), 0 otherwise.
 * ra_policy_check_cached_age: RA_OK if evidence the server says it made at
 * made_at (seconds since the epoch, its clock) is acceptable at now (0:
 * the current time): the policy accepts cached evidence, made_at is not
 * ahead of now by more than ClockSkew, and now - made_at is at most
 * MaxEvidenceAge.  Otherwise RA_ERR_REFUSED, err naming the check
 * ("cached evidence age: made 40 s ago, older than MaxEvidenceAge 30").
 * The evidence itself is then verified with ra_verify against the binding
 * the caller recomputes from the host key of this connection.
 */
int ra_policy_accepts_cached(const struct ra_policy *pol);
int ra_policy_check_cached_age(const struct ra_policy *pol, uint64_t made_at,
    time_t now, char *err, size_t errlen);

/*
 * Verifies ev against binding and pol at time now (0: the current time).
 * Items of types the policy does not accept are skipped; every accepted
 * item must pass, and at least one must be present.  On success summary
 * (if summarylen > 0) receives one line describing what was verified.
 * Returns RA_OK, RA_ERR_REFUSED or RA_ERR_INVALID.
 */
int ra_verify(const struct ra_policy *pol, const struct ra_evidence *ev,
    const uint8_t binding[RA_BINDING_LEN], time_t now,
    char *summary, size_t summarylen, char *err, size_t errlen);

/*
 * As ra_verify, keeping what was verified: on RA_OK *out (if out is not
 * NULL) is a verdict to read with the functions below and free with
 * ra_verdict_free.  On RA_ERR_REFUSED *out is NULL, except when the
 * evidence verified and the policy's appraisal refused it: then *out is a
 * verdict (to free likewise) for which ra_verdict_refused() is 1, whose
 * items are what was measured and refused, and whose summary is "".
 */
struct ra_verdict;
int ra_verify_verdict(const struct ra_policy *pol, const struct ra_evidence *ev,
    const uint8_t binding[RA_BINDING_LEN], time_t now, struct ra_verdict **out,
    char *err, size_t errlen);
/*
 * As ra_verify_verdict, with every fetch the verification makes (Intel
 * collateral for `Collateral https://...`) ending within timeout_ms
 * milliseconds from the call: ssh passes what is left of the connection's
 * AttestationTimeout, so a slow PCS is refused (check "collateral fetch",
 * naming the timeout) before the connection's own deadline.  timeout_ms 0:
 * each fetcher's own bound (10 s).
 */
int ra_verify_verdict_within(const struct ra_policy *pol,
    const struct ra_evidence *ev, const uint8_t binding[RA_BINDING_LEN],
    time_t now, long timeout_ms, struct ra_verdict **out,
    char *err, size_t errlen);
void ra_verdict_free(struct ra_verdict *v);
/* 1: a refused verdict (what was measured, not accepted); 0 otherwise. */
int ra_verdict_refused(const struct ra_verdict *v);
/* The one-line summary ra_verify writes (never truncated here). */
const char *ra_verdict_summary(const struct ra_verdict *v);
/* Verified items, in the answer's order; their type ("" past the end). */
size_t ra_verdict_item_count(const struct ra_verdict *v);
const char *ra_verdict_item_type(const struct ra_verdict *v, size_t item);
/*
 * The claims of one verified item as name/value pairs, every value in
 * full (measurements as hex), in a stable order: e.g. "mrtd" and its 96
 * digits.  Printable ASCII.  Pointers live as long as v.  Returns RA_OK,
 * or RA_ERR_INVALID past the end.
 */
size_t ra_verdict_field_count(const struct ra_verdict *v, size_t item);
int ra_verdict_field(const struct ra_verdict *v, size_t item, size_t field,
    const char **name, const char **value);

/*
 * An evidence bundle file (docs/protocol.md) of ev with a "verdict" member:
 * host, port, when (epoch seconds), result (accepted when v is an accepted
 * verdict and error is NULL or empty, refused otherwise), error, and the
 * claims of v's items (a refused verdict's too; none when v is NULL).
 * Returns a NUL-terminated string to free with free(), or NULL (err).
 */
char *ra_evidence_file_json(const struct ra_evidence *ev,
    const struct ra_verdict *v, const char *host, unsigned port, time_t when,
    const char *error, char *err, size_t errlen);

/*
 * Syntax check of a provider spec (the forms ra_provider_open documents),
 * touching no file or device: for configuration parsers (sshd -t) in
 * processes that may not open the provider.  RA_OK or RA_ERR_INVALID.
 */
int ra_provider_spec_check(const char *spec, char *err, size_t errlen);
/*
 * Does the provider of spec run in libexec/ssh-attest-helper when ssh or
 * sshd-session opens it: a provider that needs tpm2-tss, or one that posts
 * its evidence to an attestation service (service: sshd_config's
 * AttestationService, NULL or "none" when unset; or the spec's own
 * service= option)?  1 or 0 (0 also for "none" and for no valid spec).
 * sshd-session starts the helper ahead for such a provider; the provider
 * names stay in the library's table.
 */
int ra_provider_uses_helper(const char *spec, const char *service);
/*
 * The spec for configuration given as separate options (sshd_config's
 * AttestationProvider, TrustauthorityCliPath, AttestationService,
 * AttestationServiceCA): provider is a spec, or the bare name of a
 * provider that runs a tool (trustauthority-cli), whose path is then
 * tool_path or the tool's default; service and service_ca (NULL or "none":
 * unset) become the spec's service= and ca= options, refused for a
 * provider that cannot use a service.  The result is checked as
 * ra_provider_spec_check does.  *out: malloc'ed, for free().
 */
int ra_provider_spec_compose(const char *provider, const char *tool_path,
    const char *service, const char *service_ca, char **out,
    char *err, size_t errlen);

/*
 * Where libexec/ssh-attest-helper is (OpenSSH's compiled-in libexec path).
 * ssh, sshd and sshd-session link the library without libcurl and
 * tpm2-tss, and run the helper for network fetches and the tpm2-tss
 * providers; SSH_ATTEST_HELPER in the environment overrides the path, as
 * SSH_SK_HELPER does ssh-sk-helper's.  Unused by the full library.
 */
void ra_helper_path_set(const char *path);

/*
 * sshd-session's monitor: start the helper when the connection starts so
 * that the first request of a production child (forked later, which
 * inherits it) costs no exec.  prestart returns RA_OK or an error with
 * err set; ready says whether it can still take a request (alive, young
 * enough; otherwise it is ended); end kills and reaps it (the process
 * that started it, after the production or at exit); drop closes a
 * forked child's copy of its socket without touching it.
 */
int ra_helper_prestart(char *err, size_t errlen);
int ra_helper_prestarted_ready(void);
void ra_helper_prestarted_end(void);
void ra_helper_prestarted_drop(void);

/* Library version string. */
const char *ra_version(void);

#ifdef __cplusplus
}
#endif
#endif /* RA_ATTEST_H */
