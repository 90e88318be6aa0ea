// Fuzzes the HTTP server's form decoder (examples/http_server/form.hpp):
// every body is answered (fields or a 400), an accepted form holds no card
// number, no empty or repeated name, and survives re-encoding unchanged; a
// rejection never echoes a card number back.
#include "http_server/form.hpp"
#include "payintent/validation.hpp"
#include "support/byte_reader.hpp"

#include <string>
#include <string_view>

namespace {

using namespace payintent;

std::string encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    out += '%';
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  http::form_fields fields;
  const auto error = http::parse_form(body, fields);
  if (error) {
    if (error->status != 400) fuzz::fail("a form error that is not a 400");
    if (contains_card_number(error->message) || contains_card_number(error->param)) {
      fuzz::fail("a card number echoed in a form error");
    }
    return 0;
  }
  std::string again;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto& f = fields[i];
    if (f.name.empty()) fuzz::fail("an accepted field without a name");
    if (contains_card_number(f.name) || contains_card_number(f.value)) {
      fuzz::fail("an accepted field holding a card number");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (fields[j].name == f.name) fuzz::fail("an accepted form with a repeated name");
    }
    again += (i ? "&" : "") + encode(f.name) + "=" + encode(f.value);
  }
  http::form_fields reparsed;
  if (http::parse_form(again, reparsed)) fuzz::fail("a re-encoded accepted form was refused");
  if (reparsed.size() != fields.size()) fuzz::fail("re-encoding changed the field count");
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (reparsed[i].name != fields[i].name || reparsed[i].value != fields[i].value) {
      fuzz::fail("re-encoding changed a field");
    }
  }
  return 0;
}
