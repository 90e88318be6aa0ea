#include "http_server/challenge_tokens.hpp"

#include <payintent/fingerprint.hpp>

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace payintent::http {
namespace {

std::string random_token() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("the CSPRNG failed");
  }
  constexpr std::string_view digits = "0123456789abcdef";
  std::string token;
  token.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    token += digits[b >> 4];
    token += digits[b & 0xf];
  }
  return token;
}

std::string challenge_id(std::string_view tenant, std::string_view trans_id) {
  std::string id(tenant);
  id += '\n';
  id += trans_id;
  return id;
}

}  // namespace

challenge_tokens::challenge_tokens(std::chrono::milliseconds retention) : retention_(retention) {
}

std::string challenge_tokens::issue(std::string_view tenant, std::string_view intent,
                                    std::string_view three_ds_server_trans_id,
                                    std::string_view return_url) {
  const auto now = std::chrono::system_clock::now();
  const std::lock_guard lock(mutex_);
  prune(now);
  const std::string id = challenge_id(tenant, three_ds_server_trans_id);
  if (auto known = token_of_.find(id); known != token_of_.end()) {
    challenge_link& link = by_token_.at(known->second).link;
    if (link.return_url.empty()) link.return_url = return_url;
    return known->second;
  }
  std::string token = random_token();
  by_token_[token] =
      entry{challenge_link{std::string(tenant), std::string(intent),
                           std::string(three_ds_server_trans_id), std::string(return_url), now},
            std::nullopt};
  token_of_[id] = token;
  return token;
}

std::optional<challenge_link> challenge_tokens::find(std::string_view token,
                                                     std::string_view intent) const {
  const std::lock_guard lock(mutex_);
  auto it = by_token_.find(token);
  if (it == by_token_.end() || it->second.link.intent != intent) return std::nullopt;
  return it->second.link;
}

std::optional<authenticate_params> challenge_tokens::answer(
    std::string_view token, const std::function<authenticate_params()>& mint) {
  const std::lock_guard lock(mutex_);
  auto it = by_token_.find(token);
  if (it == by_token_.end()) return std::nullopt;
  if (!it->second.answer) it->second.answer = mint();
  return it->second.answer;
}

std::size_t challenge_tokens::size() const {
  const std::lock_guard lock(mutex_);
  return by_token_.size();
}

void challenge_tokens::prune(std::chrono::system_clock::time_point now) {
  for (auto it = by_token_.begin(); it != by_token_.end();) {
    if (now - it->second.link.issued < retention_) {
      ++it;
      continue;
    }
    token_of_.erase(challenge_id(it->second.link.tenant, it->second.link.three_ds_server_trans_id));
    it = by_token_.erase(it);
  }
}

std::string authenticate_key(std::string_view token) {
  return "acs-" + sha256_hex(token);
}

}  // namespace payintent::http
