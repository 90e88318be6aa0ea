// Value encodings the SQL stores share: persisted enumerations and metadata
// as a JSON object of strings. Private to the adapters (header-only, not
// installed); the including adapter links Boost::json.
#pragma once

#include "payintent/error.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace payintent::adapter_detail {

// The enumerator stored as `raw`, or nullopt when this build does not know it.
template <class E>
std::optional<E> enum_in_range(std::int64_t raw, E lowest, E highest) noexcept {
  if (raw < static_cast<std::int64_t>(lowest) || raw > static_cast<std::int64_t>(highest)) {
    return std::nullopt;
  }
  return static_cast<E>(raw);
}

// Metadata as a JSON object of strings, e.g. {"order":"A-17"}. May throw.
inline std::string encode_metadata(const std::map<std::string, std::string>& metadata) {
  boost::json::object object;
  for (const auto& [k, v] : metadata) object[k] = v;
  return boost::json::serialize(object);
}

// storage_corrupt for anything but a JSON object of strings.
inline result<std::map<std::string, std::string>> decode_metadata(std::string_view json) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) return errc::storage_corrupt;
  std::map<std::string, std::string> metadata;
  for (const auto& [k, v] : value.get_object()) {
    if (!v.is_string()) return errc::storage_corrupt;
    metadata.emplace(std::string(k), std::string(v.get_string()));
  }
  return metadata;
}

}  // namespace payintent::adapter_detail
