// OpenSSL's most recent error, for Status details.
#pragma once

#include <string>

namespace ra {

// The most recent OpenSSL error as text (and clears the queue).
std::string OpenSslError();

}  // namespace ra
