#include "payintent/fingerprint.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

using namespace payintent;

TEST_CASE("sha256_hex matches the FIPS 180-2 vectors") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string_view("a\0b", 3)) != sha256_hex("ab"));
}

TEST_CASE("sha256_hex is safe to call concurrently") {
  const std::string expected = sha256_hex("abc");
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        if (sha256_hex("abc") != expected) ++mismatches[t];
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int m : mismatches) CHECK(m == 0);
}

TEST_CASE("the encoding is the documented v1 encoding") {
  const std::string encoding =
      "payintent-fp/1\nop=confirm\nkey=3:abc\namount=4:1234\nmd.a=1:x\nmd.b=0:\n";
  const auto digest = fingerprint_builder(operation::confirm)
                          .add("key", "abc")
                          .add("amount", std::int64_t{1234})
                          .add("md", std::map<std::string, std::string>{{"b", ""}, {"a", "x"}})
                          .hex_digest();
  CHECK(digest == sha256_hex(encoding));
  CHECK(fingerprint_builder(operation::confirm).version() == current_fingerprint_version);
}

TEST_CASE("fingerprints separate what must differ") {
  auto fp = [](operation op) { return fingerprint_builder(op); };
  // Field boundaries are unambiguous.
  CHECK(fp(operation::confirm).add("a", "bc").hex_digest() !=
        fp(operation::confirm).add("ab", "c").hex_digest());
  CHECK(fp(operation::confirm).add("a", "b").add("c", "d").hex_digest() !=
        fp(operation::confirm).add("a", "b\nc=1:d").hex_digest());
  // Operation, version, value and order all count.
  CHECK(fp(operation::confirm).add("a", "1").hex_digest() !=
        fp(operation::charge).add("a", "1").hex_digest());
  CHECK(fingerprint_builder(operation::confirm, 1).add("a", "1").hex_digest() !=
        fingerprint_builder(operation::confirm, 2).add("a", "1").hex_digest());
  CHECK(fp(operation::confirm).add("amount", std::int64_t{100}).hex_digest() !=
        fp(operation::confirm).add("amount", std::int64_t{1000}).hex_digest());
  CHECK(fp(operation::confirm).add("a", "1").add("b", "2").hex_digest() !=
        fp(operation::confirm).add("b", "2").add("a", "1").hex_digest());
  // Integers encode like their decimal text.
  CHECK(fp(operation::confirm).add("n", std::int64_t{-42}).hex_digest() ==
        fp(operation::confirm).add("n", "-42").hex_digest());
}

TEST_CASE("map insertion order does not matter, contents do") {
  std::map<std::string, std::string> a;
  a["z"] = "1";
  a["a"] = "2";
  std::map<std::string, std::string> b;
  b["a"] = "2";
  b["z"] = "1";
  const auto with = [](const std::map<std::string, std::string>& m) {
    return fingerprint_builder(operation::create_intent).add("metadata", m).hex_digest();
  };
  CHECK(with(a) == with(b));
  b["z"] = "3";
  CHECK(with(a) != with(b));
  const std::string digest = with(a);
  CHECK(digest.size() == 64);
  CHECK(digest.find_first_not_of("0123456789abcdef") == std::string::npos);
}

TEST_CASE("raw digests and their hex agree, and only canonical hex parses") {
  const sha256_digest abc = sha256("abc");
  CHECK(abc[0] == 0xba);
  CHECK(abc[31] == 0xad);
  CHECK(to_hex(abc) == sha256_hex("abc"));
  const auto digits = to_hex_digits(abc);
  CHECK(std::string(digits.data(), digits.size()) == sha256_hex("abc"));

  const auto parsed = digest_from_hex(sha256_hex("abc"));
  REQUIRE(parsed.has_value());
  CHECK(*parsed == abc);
  CHECK(digest_from_hex(std::string(64, '0')) == sha256_digest{});

  std::string upper = sha256_hex("abc");
  upper[0] = 'B';
  CHECK_FALSE(digest_from_hex(upper).has_value());  // to_hex would not give it back
  CHECK_FALSE(digest_from_hex(sha256_hex("abc").substr(1)).has_value());
  CHECK_FALSE(digest_from_hex(sha256_hex("abc") + "0").has_value());
  CHECK_FALSE(digest_from_hex(std::string(63, '0') + "g").has_value());
  CHECK_FALSE(digest_from_hex("").has_value());
}
