// audit verify, and the scan of every chain behind it.
#include "render.hpp"
#include "session.hpp"

#include "payintent/validation.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

namespace payintent {

result<audit_chains_report> verify_audit_chains(
    idempotency_store& store, const tenant_id& tenant, std::size_t page,
    const std::function<void(const audit_entry&, const audit_verification&)>& on_broken) {
  audit_chains_report report;
  std::vector<audit_entry> chain;  // the chain being read, which a page may cut
  auto finish = [&] {
    if (chain.empty()) return;
    ++report.chains;
    const audit_verification v = verify_audit(chain);
    if (!v.ok) {
      ++report.broken;
      on_broken(chain.front(), v);
    }
    chain.clear();
  };
  audit_position after{tenant, {}, 0};
  page = std::max<std::size_t>(page, 1);
  for (;;) {
    BOOST_OUTCOME_TRY(auto entries, store.scan_audit(after, page));
    for (audit_entry& e : entries) {
      if (!tenant.empty() && e.tenant != tenant) {
        finish();
        return report;
      }
      if (!chain.empty() &&
          (e.tenant != chain.front().tenant || e.intent != chain.front().intent)) {
        finish();
      }
      ++report.entries;
      chain.push_back(std::move(e));
    }
    if (entries.size() < page) break;
    const audit_entry& last = chain.back();
    after = {last.tenant, last.intent, last.sequence};
  }
  finish();
  return report;
}

}  // namespace payintent

namespace payintent::admin_detail {

int audit_verify(session& s) {
  const auto tenant_flag = s.cl.flag("--tenant");
  if (tenant_flag.has_value() == s.cl.has("--all")) {
    return s.refuse("audit verify needs --tenant T (one tenant) or --all (every tenant)");
  }
  auto page = count_flag(s.cl, "--page", 10'000, 1, 1'000'000);
  if (auto* why = std::get_if<std::string>(&page)) return s.refuse(*why);
  tenant_id tenant;
  if (tenant_flag) {
    diagnostics diag;
    auto valid = validate_tenant(*tenant_flag, &diag);
    if (!valid) return s.refuse(fmt::format("--tenant: {}", diag.message));
    tenant = std::move(valid).value();
  }
  boost::json::array broken;
  auto report = verify_audit_chains(
      *s.store, tenant, std::get<std::size_t>(page),
      [&](const audit_entry& first, const audit_verification& v) {
        if (s.cl.json) {
          broken.push_back({{"tenant", first.tenant.str()},
                            {"intent", first.intent.str()},
                            {"sequence", static_cast<std::int64_t>(v.first_broken_sequence)},
                            {"reason", v.reason}});
        } else {
          fmt::print("BROKEN {} {} at entry #{}: {}\n", first.tenant, first.intent,
                     v.first_broken_sequence, v.reason);
        }
      });
  if (!report) {
    diagnostics none;
    return s.failed("cannot scan the audit chains", report.error(), none);
  }
  const audit_chains_report& r = report.value();
  if (s.cl.json) {
    print_json(boost::json::object{{"ok", r.broken == 0},
                                   {"chains", r.chains},
                                   {"entries", r.entries},
                                   {"broken", std::move(broken)}});
  } else {
    fmt::print(
        "{} chains, {} entries: {}\n", r.chains, r.entries,
        r.broken == 0 ? std::string("every chain verifies") : fmt::format("{} broken", r.broken));
  }
  return r.broken == 0 ? admin_ok : admin_audit_broken;
}

}  // namespace payintent::admin_detail
