// libFuzzer target: the TDX quote parser and its JSON view on arbitrary
// bytes.  Seed with tests/vectors/tdx/*.dat.  Also cross-checks
// invariants: whatever parses accounts for every input byte, and the JSON
// view (which reads the unverified PCK leaf with OpenSSL) leaves nothing
// on OpenSSL's error queue: a stale error there would be reported by the
// next unrelated OpenSSL failure, and its allocations made libFuzzer run
// a full leak check after almost every input (regress/tdx_quote_fuzzer/).
#include <openssl/err.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "parse/tdx_quote.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ra::TdxQuote q;
  ra::Status s = ra::ParseTdxQuote(ra::ByteView(data, size), &q);
  if (!s.ok()) return 0;
  size_t consumed = q.signed_region.size() + 4 + q.signature_data_len;
  if (consumed + q.trailing_bytes != size) abort();
  std::string json = ra::TdxQuoteToJson(q);
  if (json.empty() || json[0] != '{') abort();
  if (ERR_peek_error() != 0) abort();
  return 0;
}
