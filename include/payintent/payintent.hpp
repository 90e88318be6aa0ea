// payintent — umbrella header: the whole public API of the core library.
// Stores are separate targets with their own headers:
//   <payintent/memory_store.hpp>   payintent::memory
//   <payintent/sqlite_store.hpp>   payintent::sqlite
#pragma once

#include "payintent/audit.hpp"
#include "payintent/card_network.hpp"
#include "payintent/currency.hpp"
#include "payintent/error.hpp"
#include "payintent/fingerprint.hpp"
#include "payintent/idempotency_store.hpp"
#include "payintent/ids.hpp"
#include "payintent/payment_service.hpp"
#include "payintent/records.hpp"
#include "payintent/refund.hpp"
#include "payintent/status.hpp"
#include "payintent/store_kit.hpp"
#include "payintent/transition.hpp"
#include "payintent/validation.hpp"
#include "payintent/version.hpp"
