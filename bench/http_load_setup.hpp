// http_load — its command line, and the server's authorization count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

namespace payintent::bench {

struct load_args {
  std::uint16_t port = 0;
  std::string api_key;
  int rate = 2000;
  int seconds = 10;
  double duplicates = 0.1;
  std::size_t max_connections = 800;
  std::string latencies_path;
};

// Parses argv (see http_load.cpp): the arguments, or the exit code after
// --help (0) or a usage error (2), the usage printed.
std::variant<load_args, int> parse_load_args(int argc, char** argv);

// payintent_authorizations_total from GET /metrics on 127.0.0.1:port, or -1
// when the server does not answer.
double authorizations_now(std::uint16_t port);

}  // namespace payintent::bench
