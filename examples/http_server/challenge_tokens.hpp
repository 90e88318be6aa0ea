// http_server — the simulated ACS's one-time challenge links.
//
// A charge answered requires_action sends the browser to a challenge page on
// this server (challenge_routes.hpp) instead of the issuer's ACS. The page's
// URL carries the intent id and an unguessable token: 32 bytes from
// OpenSSL's CSPRNG, in hex. This table maps each token to the challenge it
// opens (tenant, intent, 3DS server transaction id, return_url) and fixes
// the ACS's answer on the first click, so a double click, a reload or the
// back button sends the same result under the same idempotency key and the
// library replays it.
//
// The fixed answer holds the simulated ACS's CAVV in memory while the link
// is kept, so a replay passes validation (the library leaves the CAVV out of
// the fingerprint and never stores it). A real server keeps none: its 3DS
// server hands it the result once, and it goes straight to authenticate.
//
// In memory only: a restart loses every pending page (docs/http_server.md);
// the library's challenge_expiry then fails the intent. Entries are kept
// `retention` after they are issued (so the back button finds a finished
// challenge) and pruned as new ones are issued. Thread-safe.
#pragma once

#include <payintent/operation_params.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace payintent::http {

struct challenge_link {
  std::string tenant;
  std::string intent;
  std::string three_ds_server_trans_id;
  std::string return_url;  // "" when the client gave none
  // When the link was issued: with challenge_expiry, tells the page how long
  // the cardholder has (the library's clock decides; this is the hint shown).
  std::chrono::system_clock::time_point issued;
};

class challenge_tokens {
 public:
  // `retention`: how long a link answers after it is issued.
  explicit challenge_tokens(std::chrono::milliseconds retention);

  // The token of this challenge: a new one the first time, the same one for
  // the same (tenant, intent, trans id) after (a retrieve or a replayed
  // charge shows the same page). A non-empty `return_url` replaces an empty
  // one. Throws std::runtime_error when the CSPRNG fails.
  std::string issue(std::string_view tenant, std::string_view intent,
                    std::string_view three_ds_server_trans_id, std::string_view return_url);

  // The challenge `token` opens, if it was issued for `intent` and is still
  // kept; nullopt for an unknown token or one of another intent (and so of
  // another tenant: intent ids are unique).
  std::optional<challenge_link> find(std::string_view token, std::string_view intent) const;

  // The ACS's answer for `token`: `mint()` the first time, the same value
  // after, whatever button a later click names. nullopt for an unknown token.
  std::optional<authenticate_params> answer(std::string_view token,
                                            const std::function<authenticate_params()>& mint);

  std::size_t size() const;

 private:
  struct entry {
    challenge_link link;
    std::optional<authenticate_params> answer;
  };
  void prune(std::chrono::system_clock::time_point now);

  std::chrono::milliseconds retention_;
  mutable std::mutex mutex_;
  std::map<std::string, entry, std::less<>> by_token_;
  std::map<std::string, std::string, std::less<>> token_of_;  // tenant '\n' trans id -> token
};

// The idempotency key authenticate runs under for `token`: derived from it
// (a SHA-256), so every click on one page shares one key, and the key in the
// store does not reveal the token.
std::string authenticate_key(std::string_view token);

}  // namespace payintent::http
