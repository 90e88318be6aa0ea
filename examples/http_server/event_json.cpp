#include "http_server/event_json.hpp"

#include "http_server/intent_json.hpp"

#include <boost/json/value.hpp>

#include <string>

namespace payintent::http {

boost::json::object event_json(const event_record& e) {
  boost::json::object json;
  json["id"] = e.id;
  json["object"] = "event";
  json["type"] = e.type;
  json["created"] = e.created_at_ms / 1000;
  json["payintent_sequence"] = e.sequence;
  json["data"] = {{"object", intent_json(e.snapshot)}};
  if (e.attempt) {
    json["payintent_attempt"] = {{"number", e.attempt->number},
                                 {"kind", std::string(to_string(e.attempt->kind))},
                                 {"state", std::string(to_string(e.attempt->state))},
                                 {"amount", e.attempt->amount},
                                 {"reason", e.attempt->reason}};
  } else {
    json["payintent_attempt"] = nullptr;
  }
  return json;
}

}  // namespace payintent::http
