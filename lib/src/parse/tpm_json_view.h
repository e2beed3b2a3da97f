// JSON views of the parsed TPM evidence for `ssh-attest inspect` and
// `ssh-attest eventlog` (issue 11): unverified, for people to read.
// Digests and binary data are lowercase hex; banks by name ("sha256").
#pragma once

#include <string>

#include "parse/ima_log.h"
#include "parse/tcg_eventlog.h"
#include "parse/tpm_quote.h"

namespace ra {

// {"magic", "type", "qualified_signer", "extra_data", "clock",
//  "reset_count", "restart_count", "safe", "firmware_version",
//  "pcr_select": [{"bank", "pcrs": [..]}], "pcr_digest"}
std::string TpmQuoteToJson(const TpmQuote& q);

// {"crypto_agile", "spec_version", "algorithms": [{"alg", "size"}],
//  "events": [{"offset", "pcr", "type", "digests": {BANK: HEX},
//              decoded fields (text, efi_variable {guid, name, data},
//              image_load {...}, startup_locality, separator, blob,
//              tagged_event) or "data" (hex) when there are none}]}
std::string TcgEventLogToJson(const TcgEventLog& log);

// {"template_hash_len", "entries": [{"pcr", "template_hash", "template",
//  "digest_alg", "digest", "name", "signature"/"buf" when present,
//  "violation" when so}]}
std::string ImaLogToJson(const ImaLog& log);

}  // namespace ra
