// What the libFuzzer targets share: aborting with a reason (libFuzzer
// keeps the input that did it), and the invariants every parser and
// checker must keep whatever the input.
#pragma once

#include <errno.h>  // program_invocation_short_name: the fuzzer's name
#include <jansson.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/status.h"

namespace fuzz {

[[noreturn]] inline void Die(const std::string& what) {
  fprintf(stderr, "%s: %s\n", program_invocation_short_name, what.c_str());
  abort();
}

// A failure names its check and says why.
inline void CheckFailure(const ra::Status& s) {
  if (!s.ok() && (s.check().empty() || s.detail().empty()))
    Die("failure without a reason: " + s.message());
}

// A failure names the check `check` (the parser's own) and says why.
inline void CheckFailureIs(const ra::Status& s, const char* check) {
  if (!s.ok() && (s.check() != check || s.detail().empty()))
    Die(std::string("failure without the check '") + check + "' or a reason: " + s.message());
}

// A JSON view must be JSON.
inline void CheckJson(const std::string& text) {
  json_error_t err;
  json_t* j = json_loads(text.c_str(), 0, &err);
  if (!j) Die(std::string("JSON view is not JSON: ") + err.text);
  json_decref(j);
}

}  // namespace fuzz
