#include "transaction.hpp"

#include <algorithm>
#include <functional>

namespace payintent::sqlite_detail {

result<std::int64_t> transaction_runner::now() noexcept {
  try {
    return clock_();
  } catch (...) {
    return errc::store_unavailable;
  }
}

}  // namespace payintent::sqlite_detail
