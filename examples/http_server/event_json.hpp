// http_server — an event (payintent/events.hpp) as Stripe's API shows one,
// in GET /v1/events and as a webhook's body.
//
//   {"id":"evt_...","object":"event","type":"payment_intent.succeeded",
//    "created":1764240000,"payintent_sequence":42,
//    "data":{"object":{...the intent as GET /v1/payment_intents/{id}...}},
//    "payintent_attempt":{"number":2,"kind":"refund","state":"succeeded",
//                         "amount":400,"reason":""}}
//
// data.object is the intent as the change left it (a snapshot, not the
// intent now); payintent_attempt the attempt the change wrote, or null.
// Thread-safe, pure.
#pragma once

#include <payintent/events.hpp>

#include <boost/json/object.hpp>

namespace payintent::http {

boost::json::object event_json(const event_record& e);

}  // namespace payintent::http
