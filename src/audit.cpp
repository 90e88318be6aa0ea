#include "payintent/audit.hpp"

#include "payintent/fingerprint.hpp"

#include <cstring>
#include <stdexcept>
#include <vector>

namespace payintent {
namespace {

// Canonical encoding v1: a tag, then every field as "<length>:<bytes>\n" in a
// fixed order. Length prefixes make it unambiguous whatever the fields hold.
class entry_encoder {
 public:
  // Room for the tag, `text_bytes` of field text, `fields` length prefixes
  // and `numbers` decimal fields, reserved once in this thread's buffer: each
  // field then costs one bounds check and plain copies (growing a string
  // field by field was most of the encoding's cost).
  entry_encoder(std::size_t text_bytes, std::size_t fields, std::size_t numbers)
      : buffer_(buffer()) {
    const std::size_t room =
        tag.size() + text_bytes + fields * (max_digits + 2) + numbers * max_digits;
    if (buffer_.size() < room) buffer_.resize(room);
    at_ = buffer_.data();
    end_ = at_ + room;
    put(tag);
  }
  entry_encoder(const entry_encoder&) = delete;
  entry_encoder& operator=(const entry_encoder&) = delete;

  void add(std::string_view value) {
    if (static_cast<std::size_t>(end_ - at_) < value.size() + max_digits + 2) {
      throw std::logic_error("payintent: an audit entry outgrew the room reserved for it");
    }
    put_length(value.size());
    *at_++ = ':';
    put(value);
    *at_++ = '\n';
  }
  template <class Integer>
  void add_number(Integer value) {
    const fmt::format_int digits(value);
    add(std::string_view(digits.data(), digits.size()));
  }
  std::string_view text() const noexcept {
    return std::string_view(buffer_.data(), static_cast<std::size_t>(at_ - buffer_.data()));
  }

 private:
  static constexpr std::string_view tag = "payintent-audit/1\n";
  static constexpr std::size_t max_digits = 20;  // of any 64-bit integer, sign included

  // A field's length in decimal. Almost every field is shorter than 100
  // bytes: those take a store or two, not a formatter and a memcpy call
  // (sixty fields a charge).
  void put_length(std::size_t n) noexcept {
    if (n < 10) {
      *at_++ = static_cast<char>('0' + n);
    } else if (n < 100) {
      *at_++ = static_cast<char>('0' + n / 10);
      *at_++ = static_cast<char>('0' + n % 10);
    } else {
      const fmt::format_int digits(n);
      put(std::string_view(digits.data(), digits.size()));
    }
  }
  void put(std::string_view s) noexcept {
    if (s.empty()) return;  // its data() may be null, which memcpy must not see
    std::memcpy(at_, s.data(), s.size());
    at_ += s.size();
  }
  static std::vector<char>& buffer() {
    thread_local std::vector<char> text;
    return text;
  }
  std::vector<char>& buffer_;
  char* at_ = nullptr;
  char* end_ = nullptr;
};

audit_verification broken(std::uint64_t sequence, std::string reason) {
  return audit_verification{false, sequence, std::move(reason)};
}

}  // namespace

std::string audit_entry_hash(const audit_entry& e) {
  return audit_entry_hash(audit_entry_view{e.sequence, e.time_ms, e.tenant.str(), e.intent.str(),
                                           e.attempt_number, e.event, e.from, e.to, e.detail,
                                           e.node_id, e.fence, e.prev_hash});
}

std::string audit_entry_hash(const audit_entry_view& view) {
  return to_hex(audit_entry_digest(view));
}

sha256_digest audit_entry_digest(const audit_entry_view& view) {
  const std::size_t text_bytes = view.tenant.size() + view.intent.size() + view.event.size() +
                                 view.from.size() + view.to.size() + view.detail.size() +
                                 view.node_id.size() + view.prev_hash.size();
  entry_encoder enc(text_bytes, /*fields=*/12, /*numbers=*/4);
  enc.add_number(view.sequence);
  enc.add_number(view.time_ms);
  enc.add(view.tenant);
  enc.add(view.intent);
  enc.add_number(view.attempt_number);
  enc.add(view.event);
  enc.add(view.from);
  enc.add(view.to);
  enc.add(view.detail);
  enc.add(view.node_id);
  enc.add_number(view.fence);
  enc.add(view.prev_hash);
  return sha256(enc.text());
}

audit_entry seal_audit_entry(const audit_event& event, const audit_entry* previous,
                             const tenant_id& tenant, const intent_id& intent, std::int64_t time_ms,
                             std::string_view node_id, std::uint64_t fence) {
  audit_entry e;
  e.sequence = previous ? previous->sequence + 1 : 1;
  e.time_ms = time_ms;
  e.tenant = tenant;
  e.intent = intent;
  e.attempt_number = event.attempt_number;
  e.event = event.event;
  e.from = event.from;
  e.to = event.to;
  e.detail = event.detail;
  e.node_id = std::string(node_id);
  e.fence = event.fence != 0 ? event.fence : fence;
  e.prev_hash = previous ? previous->hash : std::string(audit_genesis_hash);
  e.hash = audit_entry_hash(e);
  return e;
}

audit_verification verify_audit(std::span<const audit_entry> entries) {
  const audit_entry* previous = nullptr;
  for (const audit_entry& e : entries) {
    const std::uint64_t expected_sequence = previous ? previous->sequence + 1 : 1;
    // Report the position, not the stored number: a tampered or missing
    // entry's own sequence says nothing about where the chain broke.
    if (e.sequence != expected_sequence) return broken(expected_sequence, "sequence gap");
    if (previous && (e.tenant != previous->tenant || e.intent != previous->intent)) {
      return broken(e.sequence, "foreign entry");
    }
    const std::string_view expected_prev =
        previous ? std::string_view(previous->hash) : audit_genesis_hash;
    if (e.prev_hash != expected_prev) return broken(e.sequence, "broken link");
    if (e.hash != audit_entry_hash(e)) return broken(e.sequence, "hash mismatch");
    previous = &e;
  }
  return {};
}

}  // namespace payintent
