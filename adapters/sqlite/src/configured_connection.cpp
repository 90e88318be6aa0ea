#include "configured_connection.hpp"

#include <fmt/format.h>

namespace payintent::sqlite_detail {

connection_pool::opener configured_opener(pool_settings settings) {
  return [settings = std::move(settings)](std::string*) -> result<std::unique_ptr<connection>> {
    BOOST_OUTCOME_TRY(
        auto conn, connection::open(settings.path, settings.read_only, settings.busy_timeout_ms));
    BOOST_OUTCOME_TRY(conn->exec(settings.synchronous == sqlite_synchronous::normal
                                     ? "PRAGMA synchronous = NORMAL"
                                     : "PRAGMA synchronous = FULL"));
    // A group run again after a write failed runs each write in a savepoint,
    // whose undo pages go to a statement journal: in memory, not a temporary
    // file that spills past 64 KiB (one pwrite per page of every write, and
    // payment rows on /var/tmp).
    BOOST_OUTCOME_TRY(conn->exec("PRAGMA temp_store = MEMORY"));
    if (settings.max_page_count > 0) {
      // A number from the options, not caller data; PRAGMAs cannot be bound.
      const auto sql = fmt::format("PRAGMA max_page_count = {}", settings.max_page_count);
      BOOST_OUTCOME_TRY(conn->exec(sql.c_str()));
    }
    return conn;
  };
}

}  // namespace payintent::sqlite_detail
