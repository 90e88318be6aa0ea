// The conformance suite against the SQLite store, a temporary file per case.
#include "payintent/testing/store_conformance.hpp"
#include "sqlite_fixture.hpp"

#include "payintent/testing/conformance/event_cases.hpp"
#include "payintent/testing/conformance/operator_cases.hpp"

#include <doctest/doctest.h>

PAYINTENT_STORE_CONFORMANCE_SUITE("sqlite", payintent::sqlite_test::sqlite_under_test())
PAYINTENT_STORE_OPERATOR_CONFORMANCE_SUITE("sqlite", payintent::sqlite_test::sqlite_under_test())
PAYINTENT_STORE_EVENT_CONFORMANCE_SUITE("sqlite", payintent::sqlite_test::sqlite_under_test())
