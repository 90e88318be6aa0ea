#include "http_server/header_rules.hpp"

#include "http_server/media_type.hpp"

#include <algorithm>

namespace payintent::http {
namespace {

namespace bhttp = boost::beast::http;

api_error malformed(std::string message) {
  return api_error{400, "invalid_request_error", "malformed_request", std::move(message), {}};
}

bool is_decimal(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::optional<api_error> check_header_rules(const request_header& header) {
  const std::size_t codings = header.count(bhttp::field::transfer_encoding);
  const std::size_t lengths = header.count(bhttp::field::content_length);
  if (codings > 0) {
    if (header.version() < 11) return malformed("Transfer-Encoding is not HTTP/1.0");
    if (codings > 1 || !iequals_trimmed(header[bhttp::field::transfer_encoding], "chunked")) {
      return malformed("Transfer-Encoding must be chunked alone");
    }
    if (lengths > 0) return malformed("Send Transfer-Encoding or Content-Length, not both");
  }
  if (lengths > 1) return malformed("Content-Length was given more than once");
  if (lengths == 1 && !is_decimal(trim_whitespace(header[bhttp::field::content_length]))) {
    return malformed("Content-Length must be one decimal number");
  }
  const std::size_t hosts = header.count(bhttp::field::host);
  if (hosts > 1 || (hosts == 0 && header.version() >= 11)) {
    return malformed("An HTTP/1.1 request carries exactly one Host header");
  }
  if (header.count(bhttp::field::authorization) > 1) {
    return malformed("The Authorization header was given more than once");
  }
  if (header.count("Idempotency-Key") > 1) {
    return malformed("The Idempotency-Key header was given more than once");
  }
  if (header.count(bhttp::field::content_type) > 1) {
    return malformed("The Content-Type header was given more than once");
  }
  return std::nullopt;
}

}  // namespace payintent::http
