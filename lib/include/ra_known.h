/*
 * ra_known.h: known attestations (trust on first use) in the C interface
 * of the ra-ssh attestation library.  Conventions as in ra_attest.h:
 * RA_OK or a negative ra_status, one line in (err, errlen), nothing
 * printed, opaque objects with a _free that accepts NULL.
 *
 * When the policy pins no measurement of the server's own software
 * (ra_policy_pins_measurements() is 0), ssh records what a verified server
 * measured in ~/.ssh/known_attestations and refuses a later mismatch.  The
 * file format and its safety rules: docs/design.md, "Known attestations".
 */
#ifndef RA_KNOWN_H
#define RA_KNOWN_H

#include <stddef.h>

#include "ra_attest.h"

#ifdef __cplusplus
extern "C" {
#endif

/* StrictAttestationChecking, numbered like StrictHostKeyChecking. */
#define RA_KNOWN_CHECK_NO		0	/* not consulted */
#define RA_KNOWN_CHECK_ACCEPT_NEW	1	/* record unknown hosts (default) */
#define RA_KNOWN_CHECK_YES		2	/* refuse unknown hosts */

#define RA_KNOWN_MAX_FILE	(1024 * 1024)	/* bytes in the whole file */
#define RA_KNOWN_MAX_LINE	8192		/* bytes in one record */

/* A buffer this large holds any message of ra_known_check(). */
#define RA_KNOWN_ERRLEN		2048

/*
 * 1 if pol names reference values for the workload's measurements or
 * owner (MRTD, an RTMR, MrConfigId, MrOwner, MrOwnerConfig), so that the
 * policy already identifies the server's software and known attestations
 * are not consulted; 0 otherwise (also for NULL).
 */
int ra_policy_pins_measurements(const struct ra_policy *pol);

/*
 * What one verified server measured: an evidence kind ("tdx") and an
 * ordered list of name=hex fields (names [a-z0-9][a-z0-9_.-]*, at most
 * 64 characters; values even-length hex, at most 1024 digits; at most 64
 * fields).  For TDX the library records: anchor (SHA-256 of the trust
 * anchor's DER), mrtd, rtmr0, rtmr1, rtmr2, mrconfigid, mrowner,
 * td_attributes.
 */
struct ra_measurements;

int ra_measurements_new(const char *kind, struct ra_measurements **out,
    char *err, size_t errlen);
void ra_measurements_free(struct ra_measurements *m);
/* Appends one field; refuses bad names, values, duplicates, or too many. */
int ra_measurements_add(struct ra_measurements *m, const char *name,
    const char *hex, char *err, size_t errlen);

/*
 * The measurements to remember of a verdict of ra_verify_verdict(): the
 * claims of its first item whose kind keeps a record (the TDX quote kinds:
 * kind "tdx", fields as above).  *out NULL with RA_OK: no item of such a
 * kind (a token, say), nothing to remember.  RA_ERR_INVALID if the item's
 * claims lack a field its kind records.
 */
int ra_measurements_from_verdict(const struct ra_verdict *v,
    struct ra_measurements **out, char *err, size_t errlen);

/*
 * Looks host up in the known-attestations file path and, per mode
 * (RA_KNOWN_CHECK_*), passes, records or refuses.  Call it only after the
 * server's evidence verified: it records what it is given.
 *
 * host/port: as known_hosts keys them (the hostname as ssh canonicalised
 * it, lowercase; HostKeyAlias: the alias with port 0); port 22 or 0 give
 * "host", any other "[host]:port".  hash: write a new record hashed
 * (HashKnownHosts).  *recorded (may be NULL): 1 if a record was added.
 * warn (may be NULL) receives one line per corrupt line of other hosts
 * ("FILE:N: ...").
 *
 * Returns RA_OK (match, recorded, or mode RA_KNOWN_CHECK_NO),
 * RA_ERR_REFUSED (measurements differ, with which fields and how to accept
 * them; host unknown and mode YES; a corrupt line for this host) or
 * RA_ERR_INVALID (bad arguments, unsafe or unreadable file).  Give err at
 * least RA_KNOWN_ERRLEN bytes.
 */
int ra_known_check(const char *path, const char *host, int port, int mode,
    int hash, const struct ra_measurements *seen, int *recorded,
    void (*warn)(void *ctx, const char *msg), void *ctx,
    char *err, size_t errlen);

/*
 * Removes every record of host/port (as above) from path, keeping other
 * lines byte for byte.  *removed (may be NULL): how many.
 */
int ra_known_remove(const char *path, const char *host, int port,
    size_t *removed, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* RA_KNOWN_H */
