// The providers' one shape of HTTP call to a service (MAA, IMDS): POST a
// JSON body, get a JSON object back, take one string member of it.
#pragma once

#include <string>

#include "common/https_client.h"
#include "common/status.h"
#include "parse/jwt_token.h"

namespace ra {

// Transport failures fail as `check`, an answer that is not a JSON object
// as `what`, a missing or non-string member as member_check.
inline Status PostForJsonMember(const HttpsRequest& req, const char* check, const std::string& what,
                                const char* member, const std::string& member_check,
                                std::string* out) {
  std::string response;
  RA_RETURN_IF_ERROR(HttpsExchange(req, check, &response));
  JsonPtr doc;
  RA_RETURN_IF_ERROR(ParseJsonObject(response, what, &doc));
  return JsonGetString(doc.get(), member, member_check, out);
}

}  // namespace ra
