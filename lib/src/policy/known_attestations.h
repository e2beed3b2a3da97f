// Known attestations: trust on first use for measurements, as known_hosts
// is for host keys.  When the policy pins no measurement, ssh records what
// a verified server measured (~/.ssh/known_attestations) and refuses a
// later connection whose measurements differ.  docs/design.md ("Known
// attestations") gives the why; this file the format:
//
//   HOST KIND NAME=HEX [NAME=HEX ...]
//
//   HOST   as known_hosts writes it: "name" (port 22), "[name]:port",
//          the HostKeyAlias, a comma-separated list of those, or hashed
//          "|1|base64(salt)|base64(HMAC-SHA1(salt, name))"; no wildcards
//   KIND   evidence kind, e.g. "tdx"
//   NAME   [a-z0-9][a-z0-9_.-]*, unique in the line, in the kind's order
//   HEX    the recorded value, even-length hex (stored lowercase)
//
// Blank lines and lines starting with '#' are kept and ignored.  The core
// takes a kind and an ordered name=value list, so every evidence kind
// (TDX registers, TPM PCRs, SEV-SNP MEASUREMENT/HOST_DATA/ID key digests)
// fits the same format; which fields a kind records is the caller's.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "common/evidence.h"
#include "common/status.h"

namespace ra {

struct Policy;

namespace known {

constexpr size_t kMaxFileSize = 1024 * 1024;  // the whole file
constexpr size_t kMaxLineLen = 8192;          // one line, without '\n'
constexpr size_t kMaxFields = 64;             // name=value pairs per line
constexpr size_t kMaxNameLen = 64;            // kind or field name
constexpr size_t kMaxValueHex = 1024;         // hex digits of one value
constexpr size_t kMaxHostLen = 1024;          // the host field

// StrictAttestationChecking, numbered as OpenSSH numbers
// StrictHostKeyChecking (SSH_STRICT_HOSTKEY_OFF/NEW/YES).
enum class Mode { kNo = 0, kAcceptNew = 1, kYes = 2 };

// What one connection measured: kind and ordered name=hex fields.
struct Measurements {
  std::string kind;
  std::vector<std::pair<std::string, std::string>> fields;
};

// Names, values and counts within the limits above (values are lowercased
// in place).  Nothing is recorded or compared that does not pass.
Status NormalizeMeasurements(Measurements* m);

// One record of the file.
struct Record {
  size_t line = 0;    // 1-based line number
  std::string hosts;  // the host field as written
  Measurements m;
};

// The name a record is keyed by, as OpenSSH's put_host_port(): "host" for
// port 22 or 0 (HostKeyAlias: the caller passes port 0), "[host]:port"
// otherwise.
std::string HostKeyName(const std::string& host, int port);

// "|1|salt|hmac" for name with a fresh random salt (HashKnownHosts).
Status HashHostName(const std::string& name, std::string* out);
// Whether the host field names name: a hashed entry by recomputing its
// HMAC, a plain list by exact (case-insensitive) comparison of each entry.
// A malformed host field fails.
Status HostFieldMatches(const std::string& field, const std::string& name,
                        bool* matches);

// Parses one line without its newline.  *is_record false: blank or comment.
Status ParseLine(const std::string& line, Record* out, bool* is_record);
// "HOSTFIELD KIND n=v ..." without newline; m must be normalized.
std::string FormatLine(const std::string& host_field, const Measurements& m);

// A field whose recorded value differs from (or is missing in) what was
// seen.  seen empty: the connection did not report the field.
struct FieldChange {
  std::string name, recorded, seen;
};

enum class Verdict {
  kMatch,     // a record for the host matches
  kMismatch,  // records exist for the host, none matches
  kUnknown,   // no record for the host
};

struct CheckResult {
  Verdict verdict = Verdict::kUnknown;
  size_t line = 0;                    // the matching or compared record
  std::string recorded_kind;          // kind of that record (mismatch)
  std::vector<FieldChange> changes;   // mismatch: what differs
  std::vector<std::string> warnings;  // "FILE:N: ..." corrupt lines of others
};

// Looks name up in the file text (already read safely; file_name is for
// messages).  A record matches when its kind is the same and every field it
// recorded was seen with the same value; fields seen but not recorded are
// not compared (a newer library may record more).  A corrupt line whose host
// field names this host, or whose host field cannot be read at all, fails:
// it is never skipped for the host being checked.  Corrupt lines of other
// hosts become warnings.
Status CheckText(const std::string& text, const std::string& file_name,
                 const std::string& name, const Measurements& seen,
                 CheckResult* out);

// The user-facing refusal for a mismatch: which fields changed (old -> new,
// shortened) and how to accept the new values.
std::string DescribeMismatch(const CheckResult& r, const std::string& file_name,
                             const std::string& host, int port);

// Short form of a value for messages: enough leading digits to tell it
// from other (the first difference plus a few), then "...".
std::string ShortenValue(const std::string& value, const std::string& other);

// ---- the file on disk ----

// Reads path after checking that it and every parent directory are safe:
// the file a regular file (not a link) owned by the user, not writable by
// group or others; parents owned by the user or root and not writable by
// group or others unless root-owned and sticky (/tmp).  A missing file is
// not an error: *exists false, text empty.  Larger than kMaxFileSize fails.
Status ReadKnownFile(const std::string& path, std::string* text, bool* exists);

// Replaces path's contents with text atomically (temporary file in the same
// directory, fsync, rename), keeping the existing file's mode (0600 for a
// new file).  The directory is created 0700 if missing (not its parents).
Status WriteKnownFile(const std::string& path, const std::string& text);

// Appends a record for name (hashed if hash) to path, keeping every other
// byte of the file as it was.
Status AddRecord(const std::string& path, const std::string& name, bool hash,
                 const Measurements& m);

// Removes every line whose host field names name (corrupt lines included,
// so that removal is how a damaged record is repaired), keeping all other
// lines byte for byte.  *removed: how many.  The file is rewritten only if
// something was removed.
Status RemoveRecords(const std::string& path, const std::string& name,
                     size_t* removed);

// Every record and every corrupt line ("FILE:N: why") of the file text.
void ListText(const std::string& text, const std::string& file_name,
              std::vector<Record>* records, std::vector<std::string>* corrupt);

// What ssh does after the server's evidence verified: look the host up
// and, per mode, pass, record, or refuse.  host/port as the user named
// them (HostKeyAlias: the alias, port 0).  *recorded: a new record was
// written.  A refusal fails with check "known attestations".
struct CheckOptions {
  Mode mode = Mode::kAcceptNew;
  bool hash = false;  // HashKnownHosts
};
Status CheckAndRecord(const std::string& path, const std::string& host, int port,
                      const CheckOptions& opts, const Measurements& seen,
                      bool* recorded, std::vector<std::string>* warnings);

// The record of one verified item: spec.kind and, in spec's order, each
// claim field spec names (the kind's EvidenceKind::KnownFields(); for TDX:
// anchor, mrtd, rtmr0-2, mrconfigid, mrowner, td_attributes).  A field the
// claims lack, or a value that is not hex, fails: a record is never made
// of less than the kind promises.
Status MeasurementsFromClaims(const VerifiedClaims& claims, const KnownRecordSpec& spec,
                              Measurements* out);

// Whether the policy names the server's software or owner: reference
// values for MRTD, an RTMR, MRCONFIGID, MROWNER or MROWNERCONFIG.  Then
// known attestations are not consulted.  MRSEAM, MRSERVICETD, XFAM,
// TdAttributes and TeeTcbSvn alone do not count: they name the platform
// or a configuration class that many TDs share, not this server.
bool PolicyPinsMeasurements(const Policy& policy);

}  // namespace known
}  // namespace ra
