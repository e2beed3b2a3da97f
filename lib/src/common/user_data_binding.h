// Azure evidence carries the binding as the runtime JSON's "user-data"
// (and so as the token's x-ms-runtime user-data).  Our azure-vtpm provider
// writes the binding itself; Intel's trustauthority-cli, given the binding
// as --user-data, writes SHA-512 of it, as it does into REPORTDATA on bare
// metal.  Both name this session's binding and nothing else (finding
// another value with the same SHA-512 is a preimage attack), so either is
// accepted, compared in constant time, and the summary says which it was.
#pragma once

#include "common/evidence.h"

namespace ra {

// The one comparison of a binding with the bytes a report carries:
// constant time, lengths must agree.  Every verifier, provider and
// emulator compares bindings through these two functions.
bool BindingEquals(const Binding& binding, ByteView value);

// *how: "binding" or "sha512(binding)" when it matches.
bool UserDataMatchesBinding(ByteView user_data, const Binding& binding, const char** how);

}  // namespace ra
