// http_server — API keys and the tenant each one speaks for.
//
// Like Stripe, a client sends its secret key as a Bearer token
// ("Authorization: Bearer sk_test_...") or as the user name of HTTP basic
// auth with an empty password (curl -u sk_test_...:). A non-empty password
// is refused, not ignored: the key alone is the credential, and a password
// the server skipped would be one the client believes was checked. Each key maps to one
// tenant; every call the request makes is scoped to that tenant, so another
// tenant's intents look absent (404).
//
// Thread-safe once built: lookups only read.
#pragma once

#include "http_server/api_error.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace payintent::http {

class api_keys {
 public:
  // Adds a key. Returns false when `key` is already mapped.
  bool add(std::string key, std::string tenant);
  bool empty() const noexcept { return tenants_.empty(); }

  // The tenant for an Authorization header value, or a 401 api_error: no
  // header, a scheme other than Bearer or Basic, basic credentials that are
  // not base64 of "KEY:" (an empty password), or a key not added. The
  // message never repeats the header.
  std::variant<std::string, api_error> authenticate(std::string_view authorization) const;

 private:
  std::map<std::string, std::string, std::less<>> tenants_;
};

// Standard base64 (RFC 4648, with padding); nullopt when `text` is not.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace payintent::http
