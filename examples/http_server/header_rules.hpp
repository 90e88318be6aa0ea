// http_server — the header rules a request must pass before its body is read.
//
// A request that two readers could frame or attribute differently is refused
// (RFC 9110, RFC 9112 section 6): a proxy in front and this server must agree
// where the body ends, or bytes of one request run as the next (smuggling),
// and on which key, tenant and media type it runs. The refusal is a 400 and
// the connection closes: after an ambiguous request nothing on the stream is
// trusted.
//
//   Transfer-Encoding   at most one field line, exactly `chunked` (the only
//                       coding implemented); never with Content-Length, never
//                       in HTTP/1.0
//   Content-Length      at most one field line, one decimal number (no list)
//   Host                exactly one in HTTP/1.1, at most one in HTTP/1.0
//   Authorization, Idempotency-Key, Content-Type
//                       at most one each: their one value decides what runs
//
// Pure: no I/O, thread-safe. Messages name the header, never its value.
#pragma once

#include "http_server/api_error.hpp"

#include <boost/beast/http/message.hpp>

#include <optional>

namespace payintent::http {

using request_header = boost::beast::http::request_header<>;

// Nothing when `header` passes every rule above; else the 400 to answer.
std::optional<api_error> check_header_rules(const request_header& header);

}  // namespace payintent::http
