#pragma once

namespace ra {

// PEM of the production Intel SGX Root CA (NUL-terminated).
extern const char kIntelSgxRootCaPem[];

}  // namespace ra
