// The commands that write: review settle, recover, purge. Each runs through
// a payment_service, so the rules are the library's, not this tool's.
#include "render.hpp"
#include "session.hpp"

#include "payintent/payment_service.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <cstdlib>

namespace payintent::admin_detail {
namespace {

// The network of a service that never calls it (settle, purge).
class no_card_network final : public card_network {
 public:
  void async_authorize(const authorization_request&, authorize_handler handler) override {
    std::move(handler)(network_outcome::not_sent("payintent-admin has no card network"));
  }
};

service_options admin_service_options() {
  service_options o;
  o.store_threads = 1;
  o.network_timeout = std::chrono::seconds(30);
  return o;
}

// Who settles: --operator, else the login name.
std::string operator_of(const session& s) {
  if (auto name = s.cl.flag("--operator")) return *name;
  for (const char* var : {"USER", "LOGNAME"}) {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): nothing sets the environment meanwhile
    if (const char* v = std::getenv(var); v != nullptr && *v != '\0') return v;
  }
  return {};
}

}  // namespace

int review_settle(session& s) {
  auto t = target_of(s);
  if (auto* rc = std::get_if<int>(&t)) return *rc;
  const auto& [tenant, id] = std::get<target>(t);
  review_settlement settlement;
  const auto as = s.cl.flag("--as");
  if (!as) return s.refuse("review settle needs --as succeeded or --as failed");
  if (*as == "succeeded") {
    settlement.as = intent_status::succeeded;
  } else if (*as == "failed") {
    settlement.as = intent_status::failed;
  } else {
    return s.refuse(fmt::format("--as '{}': expected succeeded or failed", *as));
  }
  const auto reason = s.cl.flag("--reason");
  if (!reason || reason->empty()) return s.refuse("review settle needs --reason TEXT: why");
  settlement.reason = *reason;
  settlement.evidence = s.cl.flag("--evidence").value_or("");
  settlement.network_reference = s.cl.flag("--reference").value_or("");
  settlement.operator_name = operator_of(s);
  if (settlement.operator_name.empty()) {
    return s.refuse("name who settles with --operator NAME ($USER is not set)");
  }
  if (settlement.as == intent_status::succeeded && settlement.network_reference.empty()) {
    return s.refuse(
        "settling as succeeded needs --reference REF: the network's id of the "
        "authorization you checked");
  }
  no_card_network network;
  payment_service service(*s.store, network, admin_service_options());
  diagnostics diag;
  auto settled = service.settle_review(tenant.str(), id.str(), settlement, &diag);
  if (!settled) {
    if (settled.error() == errc::not_found) {
      return s.refuse(fmt::format("no payment intent {} for tenant {}", id, tenant));
    }
    return s.failed("not settled", settled.error(), diag);
  }
  if (!s.cl.json) {
    fmt::print("settled {} as {} by {}\n\n", id, settled.value().status, settlement.operator_name);
  }
  return print_intent(s, settled.value(), false);
}

int recover(session& s) {
  auto limit = count_flag(s.cl, "--limit", 100, 1, 100'000);
  if (auto* why = std::get_if<std::string>(&limit)) return s.refuse(*why);
  if (s.options.network == nullptr) {
    return s.refuse(
        "recover needs the card network, and payintent-admin has none: run it from "
        "a recovery binary linked with yours (docs/operations.md, \"Recovery\")");
  }
  payment_service service(*s.store, *s.options.network, admin_service_options());
  diagnostics diag;
  auto report = service.recover(std::get<std::size_t>(limit), &diag);
  if (!report) return s.failed("recovery failed", report.error(), diag);
  const recovery_report& r = report.value();
  if (s.cl.json) {
    print_json(boost::json::object{{"examined", r.examined},
                                   {"adopted", r.adopted},
                                   {"voided", r.voided},
                                   {"retried", r.retried},
                                   {"reviewed", r.reviewed},
                                   {"skipped", r.skipped},
                                   {"errors", r.errors},
                                   {"challenges_expired", r.challenges_expired},
                                   {"holds_expired", r.holds_expired}});
  } else {
    table t({"examined", "adopted", "voided", "retried", "reviewed", "skipped", "errors",
             "challenges expired", "holds expired"});
    t.add({std::to_string(r.examined), std::to_string(r.adopted), std::to_string(r.voided),
           std::to_string(r.retried), std::to_string(r.reviewed), std::to_string(r.skipped),
           std::to_string(r.errors), std::to_string(r.challenges_expired),
           std::to_string(r.holds_expired)});
    t.print();
  }
  return r.errors == 0 ? admin_ok : admin_store_trouble;
}

int purge(session& s) {
  auto batch = count_flag(s.cl, "--batch", 500, 1, 100'000);
  if (auto* why = std::get_if<std::string>(&batch)) return s.refuse(*why);
  no_card_network network;
  payment_service service(*s.store, network, admin_service_options());
  diagnostics diag;
  auto deleted = service.purge_expired_keys(std::get<std::size_t>(batch), &diag);
  if (!deleted) return s.failed("purge stopped", deleted.error(), diag);
  // Events past service_options::event_retention; a store without an
  // outbox has none to purge.
  auto events = service.purge_events(std::get<std::size_t>(batch), &diag);
  if (!events && events.error() != errc::not_supported) {
    return s.failed("purge of events stopped", events.error(), diag);
  }
  const std::size_t events_deleted = events ? events.value() : 0;
  if (s.cl.json) {
    print_json(
        boost::json::object{{"deleted", deleted.value()}, {"events_deleted", events_deleted}});
  } else {
    fmt::print("deleted {} idempotency keys and {} events past their retention\n", deleted.value(),
               events_deleted);
  }
  return admin_ok;
}

}  // namespace payintent::admin_detail
