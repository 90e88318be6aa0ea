#include "support/byte_reader.hpp"

#include <cstdio>
#include <cstdlib>

namespace payintent::fuzz {

void fail(std::string_view what) {
  std::fprintf(stderr, "fuzz property broken: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

}  // namespace payintent::fuzz
