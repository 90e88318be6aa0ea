// After a storm whose processes were cut off (a crash, a failover): shared by
// the PostgreSQL restart and failover tests.
#pragma once

#include "postgres_fixture.hpp"

#include <payintent/payment_service.hpp>
#include <payintent/testing/fake_card_network.hpp>

#include <memory>
#include <string>

namespace payintent::storm_test {

// The storm's processes are gone, so their leases stand for holders that
// will never come back: they are expired by hand instead of waiting out the
// 60 s lease, then recovery passes (with the storm's card network journal)
// resolve every open attempt. Answers a store on `conninfo` for the checks
// that follow.
inline std::unique_ptr<postgres_store> recover_storm(const std::string& conninfo,
                                                     const std::string& journal) {
  postgres_test::raw_pg db(conninfo);
  REQUIRE(db.exec("UPDATE attempts SET lease_expires_at = 1 WHERE state IN (1, 5, 6)"));
  postgres_store_options o;
  o.conninfo = conninfo;
  auto store = postgres_test::must_open(o);
  testing::fake_card_network network({.journal_path = journal});
  service_options so;
  so.node_id = "recovery";
  payment_service recovery(*store, network, so);
  for (int pass = 0;
       pass < 20 && db.integer("SELECT count(*) FROM attempts WHERE state IN (1, 5, 6)") > 0;
       ++pass) {
    REQUIRE(recovery.recover(10'000).has_value());
  }
  CHECK(db.integer("SELECT count(*) FROM attempts WHERE state IN (1, 5, 6)") == 0);
  CHECK(db.integer("SELECT count(*) FROM intents WHERE status = 2") == 0);  // processing
  return store;
}

}  // namespace payintent::storm_test
