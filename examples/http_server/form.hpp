// http_server — application/x-www-form-urlencoded bodies, as Stripe's API takes them.
#pragma once

#include "http_server/api_error.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace payintent::http {

struct form_field {
  std::string name;   // decoded, e.g. "metadata[order]"
  std::string value;  // decoded
};
using form_fields = std::vector<form_field>;

// Decodes `body` ("a=1&b=x%20y", '+' for space) into `out`, in order.
// Rejects, as a 400 naming the field but never echoing a value: a bad
// percent-escape, an empty name, a name given twice, and a raw card number in
// any name or value (payintent takes payment method tokens only; DESIGN 9).
// An empty body is an empty form.
std::optional<api_error> parse_form(std::string_view body, form_fields& out);

}  // namespace payintent::http
