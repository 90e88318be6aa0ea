#include "http_server/service_calls.hpp"

namespace payintent::http {

service_calls::service_calls(payment_service& service, std::size_t threads)
    : service_(service), pool_(threads) {
}

service_calls::~service_calls() {
  pool_.join();
}

}  // namespace payintent::http
