// Small byte helpers shared by every layer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace ra {

std::string HexEncode(ByteView b);  // lowercase
// A fixed-size field (measurements, report data), the same way.
template <size_t N>
std::string HexEncode(const std::array<uint8_t, N>& a) {
  return HexEncode(ByteView(a.data(), N));
}
// Accepts upper or lower case; refuses odd length and non-hex characters.
Status HexDecode(const std::string& hex, Bytes* out);

// Constant-time comparison of equal-length buffers (false if sizes differ).
bool ConstantTimeEqual(ByteView a, ByteView b);

// Reads a whole file, refusing files larger than max_len.
Status ReadFileBounded(const std::string& path, size_t max_len, Bytes* out);
Status ReadTextFileBounded(const std::string& path, size_t max_len,
                           std::string* out);

// Little-endian readers; callers check bounds first.
inline uint16_t LoadLe16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
inline uint32_t LoadLe32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

}  // namespace ra
