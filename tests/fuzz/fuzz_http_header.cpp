// Fuzzes the HTTP server's header rules (examples/http_server/header_rules.hpp)
// over whatever Boost.Beast parses as a request header: every header is
// answered (passed, or a 400 malformed_request), and a header that passes
// frames its body one way only, the way Beast reads it: chunked exactly when
// there is a Transfer-Encoding, by length exactly when there is a
// Content-Length, never both; and it carries at most one of each header
// that decides what runs.
#include "http_server/header_rules.hpp"
#include "http_server/media_type.hpp"
#include "support/byte_reader.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <string_view>

namespace {

namespace bhttp = boost::beast::http;
using namespace payintent;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bhttp::request_parser<bhttp::empty_body> parser;
  parser.eager(false);  // the header only, as the server checks it
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  const auto& header = parser.get();
  const auto refused = http::check_header_rules(header);
  if (refused) {
    if (refused->status != 400 || refused->code != "malformed_request") {
      fuzz::fail("a header refusal that is not a 400 malformed_request");
    }
    return 0;
  }
  const bool has_coding = header.count(bhttp::field::transfer_encoding) > 0;
  const bool has_length = header.count(bhttp::field::content_length) > 0;
  if (has_coding && has_length) fuzz::fail("Transfer-Encoding and Content-Length both passed");
  if (parser.chunked() != has_coding) fuzz::fail("Beast frames chunked otherwise than the rules");
  if (parser.content_length().has_value() != has_length) {
    fuzz::fail("Beast frames by length otherwise than the rules");
  }
  if (has_coding && !http::iequals_trimmed(header[bhttp::field::transfer_encoding], "chunked")) {
    fuzz::fail("a Transfer-Encoding other than chunked passed");
  }
  for (const std::string_view name : {"Transfer-Encoding", "Content-Length", "Host",
                                      "Authorization", "Idempotency-Key", "Content-Type"}) {
    if (header.count(name) > 1) fuzz::fail("a deciding header given twice passed");
  }
  if (header.version() >= 11 && header.count(bhttp::field::host) != 1) {
    fuzz::fail("an HTTP/1.1 header without one Host passed");
  }
  return 0;
}
