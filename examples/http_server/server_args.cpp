#include "http_server/server_args.hpp"

#include "common/cli.hpp"

#include <payintent/validation.hpp>

#include <fmt/format.h>

#include <set>
#include <string_view>
#include <tuple>

namespace payintent::http {
using cli::bad_value;

std::string server_usage() {
  return "usage: http_server --port P --store memory|sqlite:PATH|postgres:CONNINFO --api-key KEY=TENANT\n"
         "                   [--api-key KEY=TENANT ...] --network-latency-ms LO-HI\n"
         "                   --wait-budget-ms N [--read-timeout-ms N] [--max-body-bytes N]\n"
         "                   [--store-threads N] [--challenge-expiry-ms N]\n"
         "                   [--webhook TENANT=URL,SECRET ...] [--webhook-retry-ms FIRST-MAX]\n"
         "\n"
         "Serves a Stripe-compatible subset of the PaymentIntents API on 127.0.0.1:P\n"
         "(P = 0 picks a free port), backed by payintent and a simulated card network\n"
         "answering in LO-HI ms. Prints 'listening on 127.0.0.1:PORT' when ready;\n"
         "stops on SIGINT or SIGTERM. See docs/http_server.md.\n"
         "\n"
         "--webhook TENANT=URL,SECRET  POST TENANT's events to URL (http:// only), signed\n"
         "    with SECRET in a Stripe-Signature header (t=UNIX,v1=hex HMAC-SHA256 of\n"
         "    \"t.body\"); in order, at least once, each acknowledged after a 2xx.\n"
         "--webhook-retry-ms FIRST-MAX  delays between tries of a failing webhook: from\n"
         "    FIRST ms, doubling, at most MAX ms (default 10000-3600000); an event is\n"
         "    given up 3 days after its first try. See docs/events.md.\n";
}

std::variant<server_args, std::string> parse_server_args(int argc, const char* const* argv) {
  server_args args;
  std::set<std::string, std::less<>> given;
  auto split = cli::split_flags(argc, argv);
  if (auto* message = std::get_if<std::string>(&split)) return *message;
  for (const auto& [flag, value] : std::get<std::vector<cli::flag_value>>(split)) {
    if (flag == "--help") {
      args.help = true;
      return args;
    }
    if (!given.insert(flag).second && flag != "--api-key" && flag != "--webhook") {
      return fmt::format("{} given twice", flag);
    }
    if (flag == "--port") {
      const auto n = cli::parse_int<std::uint16_t>(value, 0, 65535);
      if (!n) return bad_value(flag, value, "a port in 0..65535");
      args.port = *n;
    } else if (flag == "--store") {
      auto spec = storm::parse_store_spec(value);
      if (auto* message = std::get_if<std::string>(&spec)) return *message;
      args.store = std::get<storm::store_spec>(spec);
    } else if (flag == "--api-key") {
      const auto eq = value.find('=');
      if (eq == std::string::npos || eq == 0) return "--api-key: expected KEY=TENANT";
      std::string tenant = value.substr(eq + 1);
      diagnostics diag;
      if (!validate_tenant(tenant, &diag)) return bad_value(flag, tenant, diag.message);
      args.api_keys.emplace_back(value.substr(0, eq), std::move(tenant));
    } else if (flag == "--network-latency-ms") {
      const auto range = cli::parse_latency_range(value);
      if (!range) return bad_value(flag, value, "LO-HI in ms, 0 <= LO <= HI <= 60000");
      std::tie(args.min_latency, args.max_latency) = *range;
    } else if (flag == "--wait-budget-ms" || flag == "--read-timeout-ms") {
      const auto n = cli::parse_int<int>(value, 0, 600'000);
      if (!n || (flag == "--read-timeout-ms" && *n == 0)) {
        return bad_value(flag, value, "ms in 0..600000 (read timeout > 0)");
      }
      (flag == "--wait-budget-ms" ? args.wait_budget : args.read_timeout) =
          std::chrono::milliseconds(*n);
    } else if (flag == "--store-threads") {
      const auto n = cli::parse_int<std::size_t>(value, 1, 1024);
      if (!n) return bad_value(flag, value, "threads in 1..1024");
      args.store_threads = *n;
    } else if (flag == "--challenge-expiry-ms") {
      const auto n = cli::parse_int<int>(value, 100, 86'400'000);
      if (!n) return bad_value(flag, value, "ms in 100..86400000");
      args.challenge_expiry = std::chrono::milliseconds(*n);
    } else if (flag == "--webhook") {
      auto endpoint = parse_webhook(value);
      if (auto* message = std::get_if<std::string>(&endpoint)) return *message;
      args.webhooks.push_back(std::move(std::get<webhook_endpoint>(endpoint)));
    } else if (flag == "--webhook-retry-ms") {
      const auto range = cli::parse_latency_range(value);
      if (!range || range->first.count() == 0) {
        return bad_value(flag, value, "FIRST-MAX in ms, 0 < FIRST <= MAX <= 60000");
      }
      std::tie(args.delivery.first_retry, args.delivery.max_retry_delay) = *range;
    } else if (flag == "--max-body-bytes") {
      const auto n = cli::parse_int<std::size_t>(value, 64, std::size_t{64} * 1024 * 1024);
      if (!n) return bad_value(flag, value, "bytes in 64..67108864");
      args.max_body_bytes = *n;
    } else {
      return fmt::format("unknown option {}", flag);
    }
  }
  constexpr std::string_view required[] = {"--port", "--store", "--api-key", "--network-latency-ms",
                                           "--wait-budget-ms"};
  for (const auto flag : required) {
    if (!given.contains(flag)) return fmt::format("missing {}", flag);
  }
  return args;
}

}  // namespace payintent::http
