// libexec/ssh-attest-helper's side of the exchange (common/helper_wire.h):
// one decoded request served with the direct implementations (libcurl's
// HttpsExchange, the real providers).  In libra_attest.a only.
#pragma once

#include "common/status.h"

namespace ra {

// The answer to one request; a request that does not decode, or whose
// work fails, is answered with FAIL (check, detail).
Bytes ServeHelperRequest(ByteView request);

}  // namespace ra
