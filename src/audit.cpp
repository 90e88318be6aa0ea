#include "payintent/audit.hpp"

#include "payintent/fingerprint.hpp"

namespace payintent {
namespace {

// Canonical encoding v1: a tag, then every field as "<length>:<bytes>\n" in a
// fixed order. Length prefixes make it unambiguous whatever the fields hold.
class entry_encoder {
 public:
  // Reuses this thread's buffer: no allocation per entry once it has grown.
  entry_encoder() : text_(buffer()) { text_ = "payintent-audit/1\n"; }
  entry_encoder(const entry_encoder&) = delete;
  entry_encoder& operator=(const entry_encoder&) = delete;

  void add(std::string_view value) {
    const fmt::format_int length(value.size());
    text_.append(length.data(), length.size()).push_back(':');
    text_.append(value).push_back('\n');
  }
  template <class Integer>
  void add_number(Integer value) {
    const fmt::format_int digits(value);
    add(std::string_view(digits.data(), digits.size()));
  }
  const std::string& text() const noexcept { return text_; }

 private:
  static std::string& buffer() {
    thread_local std::string text;
    return text;
  }
  std::string& text_;
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
  entry_encoder enc;
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
  e.fence = fence;
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
