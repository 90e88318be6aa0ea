#include "http_server/events_route.hpp"

#include "http_server/event_json.hpp"
#include "http_server/form.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <utility>

namespace payintent::http {

// Coroutines' locals: not in the anonymous namespace (GCC's
// -Wsubobject-linkage). result<T> has no default value, which co_spawn's
// completion needs: events_read carries a read across threads.
struct events_read {
  error_code failed;
  std::vector<event_record> events;
};
struct list_params {
  event_query query;
  std::string starting_after;
};

namespace {

namespace bhttp = boost::beast::http;
using boost::asio::awaitable;

std::optional<api_error> parse_list(std::string_view target, list_params& out) {
  const std::size_t question = target.find('?');
  form_fields fields;
  if (question != std::string_view::npos) {
    if (auto e = parse_form(target.substr(question + 1), fields)) return e;
  }
  out.query.limit = 10;
  for (const auto& f : fields) {
    if (f.name == "limit") {
      std::size_t n = 0;
      const auto* end = f.value.data() + f.value.size();
      const auto [ptr, ec] = std::from_chars(f.value.data(), end, n);
      if (ec != std::errc{} || ptr != end || n < 1 || n > 100) {
        return invalid_request("limit must be an integer in 1..100", "limit");
      }
      out.query.limit = n;
    } else if (f.name == "starting_after") {
      out.starting_after = f.value;
    } else if (f.name == "type") {
      out.query.type = f.value;
    } else {
      return invalid_request("Received unknown parameter: " + f.name, f.name, "parameter_unknown");
    }
  }
  return std::nullopt;
}

// Runs on the feed's thread: the store call blocks.
awaitable<events_read> read_events_on(idempotency_store& store, event_query q) {
  auto r = store.read_events(q);
  if (!r) co_return events_read{r.error(), {}};
  co_return events_read{{}, std::move(r).value()};
}

response list_response(const std::vector<event_record>& events, std::size_t limit) {
  boost::json::array data;
  for (std::size_t i = 0; i < events.size() && i < limit; ++i)
    data.push_back(event_json(events[i]));
  boost::json::object body{{"object", "list"}, {"url", "/v1/events"}};
  body["has_more"] = events.size() > limit;
  body["data"] = std::move(data);
  response res(bhttp::status::ok, 11);
  res.set(bhttp::field::content_type, "application/json");
  res.body() = boost::json::serialize(body);
  return res;
}

}  // namespace

awaitable<result<std::vector<event_record>>> event_feed::read(event_query q) {
  events_read r = co_await boost::asio::co_spawn(
      pool_.get_executor(), read_events_on(store_, std::move(q)), boost::asio::use_awaitable);
  if (r.failed) co_return r.failed;
  co_return std::move(r.events);
}

awaitable<response> list_events(const request& req, event_feed& feed, const std::string& tenant) {
  if (req.method() != bhttp::verb::get) {
    response res = error_response(
        api_error{405, "invalid_request_error", "method_not_allowed", "Use GET on this URL", {}});
    res.set(bhttp::field::allow, "GET");
    co_return res;
  }
  list_params p;
  if (auto e = parse_list(req.target(), p)) co_return error_response(*e);
  p.query.tenant = tenant_id(tenant);
  if (!p.starting_after.empty()) {
    event_query cursor;
    cursor.tenant = p.query.tenant;
    cursor.id = p.starting_after;
    cursor.limit = 1;
    auto found = co_await feed.read(cursor);
    if (!found) co_return error_response(from_library(found.error(), nullptr));
    if (found.value().empty()) {
      co_return error_response(api_error{404, "invalid_request_error", "resource_missing",
                                         "No such event (starting_after)", "starting_after"});
    }
    p.query.after = found.value().front().sequence;
  }
  const std::size_t limit = p.query.limit;
  ++p.query.limit;  // one more tells has_more
  auto events = co_await feed.read(p.query);
  if (!events) co_return error_response(from_library(events.error(), nullptr));
  co_return list_response(events.value(), limit);
}

}  // namespace payintent::http
