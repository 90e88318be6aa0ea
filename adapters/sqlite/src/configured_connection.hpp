// How the store opens and configures each connection to the file, and its
// pool (adapters/common/connection_pool.hpp). Private to the adapter.
#pragma once

#include "connection.hpp"
#include "connection_pool.hpp"
#include "payintent/sqlite_store.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace payintent::sqlite_detail {

struct pool_settings {
  std::string path;
  bool read_only = false;
  int busy_timeout_ms = 5000;
  sqlite_synchronous synchronous = sqlite_synchronous::full;
  std::int64_t max_page_count = 0;
};

using connection_pool = adapter_detail::connection_pool<connection>;

// Opens a connection to settings.path with the busy timeout, synchronous
// mode, in-memory statement journals and page cap the settings give.
connection_pool::opener configured_opener(pool_settings settings);

}  // namespace payintent::sqlite_detail
