// An integrator's store may answer with errors of its own categories (a
// system error, its driver's codes). The caller hears store_unavailable (503,
// retryable, nothing cached) with the original in diagnostics, never a
// payintent code that happens to share the value: std::errc::io_error is 5,
// and errc 5 is unknown_currency, a 400.
#include "support/service_fixture.hpp"

#include <boost/system/errc.hpp>

#include <optional>
#include <system_error>
#include <vector>

using namespace payintent;
using payintent::test::require_ok;

namespace {

// A custom store over the memory store: while `failure` is set, claims and
// loads answer it.
class foreign_error_store : public store_wrapper {
 public:
  using store_wrapper::store_wrapper;

  std::optional<error_code> failure;

  result<claim_result> claim(const claim_request& r) override {
    if (failure) return *failure;
    return store_wrapper::claim(r);
  }
  result<std::optional<payment_intent>> load(const tenant_id& t, const intent_id& id) override {
    if (failure) return *failure;
    return store_wrapper::load(t, id);
  }
};

struct foreign_fixture {
  memory_store inner;
  foreign_error_store store{inner};
  testing::fake_card_network network;
  payment_service service{store, network, test::test_options()};
};

// Errors of other categories whose values are payintent codes too (1-6 are
// 400s) or none.
std::vector<error_code> foreign_errors() {
  namespace sys = boost::system::errc;
  return {
      error_code(std::make_error_code(std::errc::io_error)),
      error_code(std::make_error_code(std::errc::no_space_on_device)),
      error_code(std::make_error_code(std::errc::permission_denied)),
      error_code(std::make_error_code(std::errc::connection_reset)),
      sys::make_error_code(sys::io_error),                 // 5: unknown_currency's value
      sys::make_error_code(sys::operation_not_permitted),  // 1: invalid_argument's value
      sys::make_error_code(sys::no_such_file_or_directory),
      error_code(4, boost::system::system_category()),   // EINTR; invalid_amount's value
      error_code(60, boost::system::system_category()),  // store_unavailable's value
  };
}

}  // namespace

TEST_CASE("a custom store's system errors are store_unavailable, and nothing is cached") {
  for (const error_code& failure : foreign_errors()) {
    CAPTURE(failure.to_string());
    foreign_fixture f;
    f.store.failure = failure;
    diagnostics diag;
    auto r = f.service.charge("acme", "k", test::card_charge(), &diag);
    REQUIRE_FALSE(r);
    CHECK(r.error() == errc::store_unavailable);
    CHECK(http_status(r.error()) == 503);
    CHECK(is_retryable(r.error()));
    CHECK(diag.message.find(failure.category().name()) != std::string::npos);
    CHECK(diag.message.find(failure.message()) != std::string::npos);
    CHECK_FALSE(require_ok(f.inner.load_key(tenant_id("acme"), idempotency_key("k"))).has_value());
    CHECK(f.network.authorize_calls() == 0);

    // The store heals: the retry runs, charges once, and is not a replay.
    f.store.failure.reset();
    auto retry = require_ok(f.service.charge("acme", "k", test::card_charge()));
    CHECK_FALSE(retry.replayed);
    CHECK(retry.intent.status == intent_status::succeeded);
    auto again = require_ok(f.service.charge("acme", "k", test::card_charge()));
    CHECK(again.replayed);
    CHECK(f.network.authorizations() == 1);
  }
}

TEST_CASE("a custom store's system error on a read is store_unavailable") {
  foreign_fixture f;
  auto charged = require_ok(f.service.charge("acme", "k", test::card_charge()));
  f.store.failure = error_code(std::make_error_code(std::errc::io_error));
  diagnostics diag;
  auto r = f.service.retrieve("acme", charged.intent.id.str(), &diag);
  REQUIRE_FALSE(r);
  CHECK(r.error() == errc::store_unavailable);
  CHECK(diag.message.find(f.store.failure->message()) != std::string::npos);
}

TEST_CASE("payintent's own store errors keep their meaning") {
  foreign_fixture f;
  f.store.failure = make_error_code(errc::storage_full);
  auto r = f.service.charge("acme", "k", test::card_charge());
  REQUIRE_FALSE(r);
  CHECK(r.error() == errc::storage_full);
}
