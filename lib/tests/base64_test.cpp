// The shared strict base64 codecs: padded standard encoding round-trips,
// and its output is exactly what a strict decoder demands.
#include <gtest/gtest.h>

#include "common/base64.h"

namespace {

TEST(Base64, StandardEncodingRoundTripsAndIsPadded) {
  EXPECT_EQ(ra::Base64Encode(ra::Bytes{}), "");
  EXPECT_EQ(ra::Base64Encode(ra::Bytes{'f'}), "Zg==");
  EXPECT_EQ(ra::Base64Encode(ra::Bytes{'f', 'o'}), "Zm8=");
  EXPECT_EQ(ra::Base64Encode(ra::Bytes{'f', 'o', 'o'}), "Zm9v");
  EXPECT_EQ(ra::Base64Encode(ra::Bytes{0xfb, 0xff}), "+/8=");
  for (size_t n = 0; n < 70; n++) {
    ra::Bytes in(n);
    for (size_t i = 0; i < n; i++) in[i] = static_cast<uint8_t>(i * 37 + 11);
    ra::Bytes out;
    ASSERT_TRUE(ra::Base64Decode(ra::Base64Encode(in), &out).ok()) << n;
    EXPECT_EQ(out, in) << n;
  }
}

}  // namespace
