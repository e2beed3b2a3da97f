#include "common/user_data_binding.h"

#include <openssl/sha.h>

#include "common/bytes_util.h"

namespace ra {

bool BindingEquals(const Binding& binding, ByteView value) {
  return ConstantTimeEqual(ByteView(binding.data(), binding.size()), value);
}

bool UserDataMatchesBinding(ByteView user_data, const Binding& binding, const char** how) {
  uint8_t h[SHA512_DIGEST_LENGTH];
  SHA512(binding.data(), binding.size(), h);
  // Both comparisons always run, so timing does not tell which form a
  // near-miss was close to.
  bool raw = ConstantTimeEqual(user_data, ByteView(binding.data(), binding.size()));
  bool hashed = ConstantTimeEqual(user_data, ByteView(h, sizeof(h)));
  if (how) *how = raw ? "binding" : "sha512(binding)";
  return raw || hashed;
}

}  // namespace ra
