// The conformance suite against the PostgreSQL store, a fresh schema per case
// in this executable's own database (PAYINTENT_TEST_PG names the server).
#include "postgres_fixture.hpp"

#include "payintent/testing/conformance/event_cases.hpp"
#include "payintent/testing/conformance/operator_cases.hpp"

#include <doctest/doctest.h>

PAYINTENT_STORE_CONFORMANCE_SUITE("postgres", payintent::postgres_test::postgres_under_test())
PAYINTENT_STORE_OPERATOR_CONFORMANCE_SUITE("postgres", payintent::postgres_test::postgres_under_test())
PAYINTENT_STORE_EVENT_CONFORMANCE_SUITE("postgres", payintent::postgres_test::postgres_under_test())
