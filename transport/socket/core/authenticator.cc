#include "transport/socket/core/authenticator.h"

#include <sodium.h>

#include <utility>

#include "transport/socket/zmtp/keys.h"
#include "transport/socket/zmtp/wire.h"

namespace bossa::socket {
namespace {

zmtp::AuthReply refuse(std::string text) {
  return zmtp::AuthReply{false, "400", std::move(text), ""};
}

// Compares secrets in time that does not depend on where they differ.
bool same_secret(const std::string& a, const std::string& b) {
  zmtp::sodium_ready();
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

void Authenticator::allow_address(std::string_view domain, std::string_view address) {
  MutexLock lock(mu_);
  domains_[std::string(domain)].allowed_addresses.emplace(address);
}

void Authenticator::deny_address(std::string_view domain, std::string_view address) {
  MutexLock lock(mu_);
  domains_[std::string(domain)].denied_addresses.emplace(address);
}

void Authenticator::allow_plain(std::string_view domain, std::string_view user,
                                std::string_view password) {
  MutexLock lock(mu_);
  domains_[std::string(domain)].passwords[std::string(user)] = std::string(password);
}

absl::Status Authenticator::allow_curve(std::string_view domain, std::string_view public_key) {
  absl::StatusOr<std::string> key = zmtp::curve_key_bytes(public_key);
  if (!key.ok()) return key.status();
  MutexLock lock(mu_);
  domains_[std::string(domain)].curve_keys.insert(*std::move(key));
  return absl::OkStatus();
}

void Authenticator::allow_any_curve(std::string_view domain) {
  MutexLock lock(mu_);
  domains_[std::string(domain)].any_curve = true;
}

void Authenticator::set_curve_keys(std::string_view domain,
                                   absl::flat_hash_set<std::string> public_keys) {
  MutexLock lock(mu_);
  domains_[std::string(domain)].curve_keys = std::move(public_keys);
}

zmtp::AuthReply Authenticator::decide(const ZapRequest& r) const {
  MutexLock lock(mu_);
  auto it = domains_.find(r.domain);
  if (it == domains_.end()) return refuse("nothing is allowed in this domain");
  const Domain& d = it->second;
  if (d.denied_addresses.contains(r.address)) return refuse("address denied");
  if (!d.allowed_addresses.empty() && !d.allowed_addresses.contains(r.address)) {
    return refuse("address not allowed");
  }
  const std::vector<std::string>& cred = r.auth.credentials;
  if (r.auth.mechanism == zmtp::kMechanismPlain && cred.size() == 2) {
    auto user = d.passwords.find(cred[0]);
    if (user == d.passwords.end() || !same_secret(user->second, cred[1])) {
      return refuse("wrong user name or password");
    }
    return zmtp::AuthReply{true, "200", "OK", cred[0]};
  }
  if (r.auth.mechanism == zmtp::kMechanismCurve && cred.size() == 1 &&
      cred[0].size() == zmtp::kCurveKeySize) {
    if (!d.any_curve && !d.curve_keys.contains(cred[0])) return refuse("unknown CURVE key");
    return zmtp::AuthReply{true, "200", "OK", *zmtp::z85_encode(cred[0])};
  }
  return refuse("unsupported mechanism");
}

}  // namespace bossa::socket
