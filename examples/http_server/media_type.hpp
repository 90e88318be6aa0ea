// http_server — comparing header tokens and media types (RFC 9110 section 8.3.1).
//
// Pure and thread-safe.
#pragma once

#include <string_view>

namespace payintent::http {

// `text` without leading and trailing spaces and tabs (HTTP's OWS).
std::string_view trim_whitespace(std::string_view text) noexcept;

// Whether `text`, trimmed, equals `lower_case` ignoring ASCII case.
bool iequals_trimmed(std::string_view text, std::string_view lower_case) noexcept;

// Whether a Content-Type value names the media type `lower_case`
// ("application/x-www-form-urlencoded"): type and subtype match whole and
// case-insensitively; parameters after ';' (charset=utf-8) are allowed.
bool media_type_is(std::string_view content_type, std::string_view lower_case) noexcept;

}  // namespace payintent::http
