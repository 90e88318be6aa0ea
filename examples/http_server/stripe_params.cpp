#include "http_server/stripe_params.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace payintent::http {
namespace {

api_error unknown_parameter(const std::string& name) {
  return invalid_request(fmt::format("Received unknown parameter: {}", name), name,
                         "parameter_unknown");
}

std::optional<api_error> parse_amount(const std::string& text, std::int64_t& out,
                                      const std::string& name = "amount") {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return invalid_request(
        "Invalid integer: " + name + " must be a whole number of minor units (1999 for 19.99)",
        name, "parameter_invalid_integer");
  }
  return std::nullopt;
}

std::optional<api_error> parse_bool(const form_field& field, bool& out) {
  if (field.value == "true") {
    out = true;
  } else if (field.value == "false") {
    out = false;
  } else {
    return invalid_request(fmt::format("Invalid boolean: {} must be true or false", field.name),
                           field.name);
  }
  return std::nullopt;
}

// "metadata[order]" -> "order"; nullopt for any other name.
std::optional<std::string> metadata_key(const std::string& name) {
  constexpr std::string_view prefix = "metadata[";
  if (name.size() <= prefix.size() + 1 || !name.starts_with(prefix) || name.back() != ']') {
    return std::nullopt;
  }
  return name.substr(prefix.size(), name.size() - prefix.size() - 1);
}

}  // namespace

std::optional<api_error> parse_create(const form_fields& form, create_request& out) {
  bool have_amount = false;
  bool have_currency = false;
  for (const form_field& f : form) {
    if (f.name == "amount") {
      if (auto e = parse_amount(f.value, out.intent.amount)) return e;
      have_amount = true;
    } else if (f.name == "currency") {
      out.intent.currency = f.value;
      have_currency = true;
    } else if (f.name == "payment_method") {
      out.intent.payment_method = f.value;
    } else if (f.name == "description") {
      out.intent.description = f.value;
    } else if (f.name == "return_url") {
      if (auto e = check_return_url(f.value)) return e;
      out.return_url = f.value;
    } else if (f.name == "confirm") {
      if (auto e = parse_bool(f, out.confirm)) return e;
    } else if (f.name == "capture_method") {
      const auto method = parse_capture_method(f.value);
      if (!method) return invalid_request("Invalid capture_method: use automatic or manual", f.name);
      out.intent.capture_method = *method;
    } else if (auto key = metadata_key(f.name)) {
      out.intent.metadata[*key] = f.value;
    } else {
      return unknown_parameter(f.name);
    }
  }
  if (!have_amount)
    return invalid_request("Missing required param: amount.", "amount", "parameter_missing");
  if (!have_currency) {
    return invalid_request("Missing required param: currency.", "currency", "parameter_missing");
  }
  return std::nullopt;
}

std::optional<api_error> parse_confirm(const form_fields& form, confirm_request& out) {
  for (const form_field& f : form) {
    if (f.name == "payment_method") {
      out.params.payment_method = f.value;
    } else if (f.name == "return_url") {
      if (auto e = check_return_url(f.value)) return e;
      out.return_url = f.value;
    } else {
      return unknown_parameter(f.name);
    }
  }
  return std::nullopt;
}

std::optional<api_error> check_return_url(std::string_view url) {
  constexpr std::size_t max_length = 2048;
  std::string_view rest = url;
  bool scheme = false;
  for (const std::string_view prefix : {"https://", "http://"}) {
    if (rest.starts_with(prefix)) {
      rest.remove_prefix(prefix.size());
      scheme = true;
      break;
    }
  }
  const bool printable =
      std::all_of(url.begin(), url.end(), [](char c) { return c > ' ' && c < 0x7f; });
  const bool host =
      !rest.empty() && rest.front() != '/' && rest.front() != '?' && rest.front() != '#';
  if (!scheme || !host || !printable || url.size() > max_length) {
    return invalid_request(
        "Invalid return_url: use an absolute http or https URL of at most 2048 characters, "
        "without spaces",
        "return_url", "url_invalid");
  }
  return std::nullopt;
}

std::optional<api_error> parse_cancel(const form_fields& form, cancel_params& out) {
  for (const form_field& f : form) {
    if (f.name != "cancellation_reason") return unknown_parameter(f.name);
    out.reason = f.value;
  }
  return std::nullopt;
}

std::optional<api_error> parse_capture(const form_fields& form, capture_params& out) {
  for (const form_field& f : form) {
    if (f.name != "amount_to_capture") return unknown_parameter(f.name);
    std::int64_t amount = 0;
    if (auto e = parse_amount(f.value, amount, f.name)) return e;
    out.amount_to_capture = amount;
  }
  return std::nullopt;
}

std::optional<api_error> parse_refund(const form_fields& form, refund_request& out) {
  for (const form_field& f : form) {
    if (f.name == "payment_intent") {
      out.payment_intent = f.value;
    } else if (f.name == "amount") {
      std::int64_t amount = 0;
      if (auto e = parse_amount(f.value, amount)) return e;
      out.params.amount = amount;
    } else if (f.name == "reason") {
      out.params.reason = f.value;
    } else {
      return unknown_parameter(f.name);
    }
  }
  if (out.payment_intent.empty()) {
    return invalid_request("Missing required param: payment_intent.", "payment_intent",
                           "parameter_missing");
  }
  return std::nullopt;
}

charge_params as_charge(const create_request& create, std::chrono::milliseconds wait_budget) {
  const create_params& c = create.intent;
  return charge_params{c.amount,   c.currency,       c.payment_method, c.description,
                       c.metadata, c.capture_method, wait_budget};
}

}  // namespace payintent::http
