// Reads GET /metrics (Prometheus text) for the http tests.
#pragma once

#include "support/http_client.hpp"

#include <map>
#include <stdexcept>
#include <string>

namespace payintent::test {

struct metrics_text {
  std::map<std::string, double> samples;  // "name{labels}" -> value

  // The sample's value; throws when the server did not export it.
  double value(const std::string& name_and_labels) const {
    auto found = samples.find(name_and_labels);
    if (found == samples.end()) throw std::runtime_error("no metric " + name_and_labels);
    return found->second;
  }
  bool has(const std::string& name_and_labels) const { return samples.contains(name_and_labels); }
};

inline metrics_text parse_metrics(const std::string& text) {
  metrics_text m;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    const std::string line = text.substr(at, end - at);
    at = end + 1;
    if (line.empty() || line[0] == '#') continue;
    const std::size_t space = line.rfind(' ');
    if (space == std::string::npos) throw std::runtime_error("bad metrics line: " + line);
    m.samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return m;
}

inline metrics_text scrape(http_client& client) {
  const auto r = client.request("GET", "/metrics");
  if (r.status != 200)
    throw std::runtime_error("GET /metrics answered " + std::to_string(r.status));
  return parse_metrics(r.body);
}

}  // namespace payintent::test
