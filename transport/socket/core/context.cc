#include "transport/socket/core/context.h"

#include <cstdio>

#include "transport/socket/core/zap_client.h"

namespace bossa::socket {

Context::Context(int io_threads) {
  log_sink_ = [](std::string_view line) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  };
  for (int i = 0; i < io_threads; ++i) {
    ios_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(boost::asio::make_work_guard(*ios_.back()));
  }
  for (int i = 0; i < io_threads; ++i) {
    threads_.emplace_back([io = ios_[i].get()] { io->run(); });
  }
}

Context::~Context() {
  std::shared_ptr<ZapClient> zap;
  {
    MutexLock lock(auth_mu_);
    stopping_ = true;
    zap = std::move(zap_);
  }
  if (zap) zap->stop();
  for (auto& g : guards_) g.reset();
  for (auto& t : threads_) t.join();
}

void Context::set_log_sink(std::function<void(std::string_view)> sink) {
  MutexLock lock(log_mu_);
  log_sink_ = std::move(sink);
}

void Context::log(std::string_view line) {
  MutexLock lock(log_mu_);
  if (log_sink_) log_sink_(line);
}

void Context::set_authenticator(std::shared_ptr<Authenticator> authenticator) {
  MutexLock lock(auth_mu_);
  authenticator_ = std::move(authenticator);
}

void Context::authenticate(ZapRequest request, std::function<void(zmtp::AuthReply)> done) {
  std::shared_ptr<Authenticator> authenticator;
  std::shared_ptr<ZapClient> zap;
  {
    MutexLock lock(auth_mu_);
    if (stopping_) {
      lock.unlock();
      done(zmtp::AuthReply{false, "500", "the context is shutting down", ""});
      return;
    }
    authenticator = authenticator_;
    if (!authenticator && !ios_.empty() &&
        inproc_.is_bound(std::string(kZapEndpoint.substr(std::string_view("inproc://").size())))) {
      if (!zap_) zap_ = std::make_shared<ZapClient>(*this, *ios_.front(), zap_limits_);
      zap = zap_;
    }
  }
  if (authenticator) {
    done(authenticator->decide(request));
  } else if (zap) {
    zap->request(std::move(request), std::move(done));
  } else {
    done(zmtp::AuthReply{false, "500", "no authenticator", ""});
  }
}

void Context::set_zap_limits(ZapLimits limits) {
  MutexLock lock(auth_mu_);
  zap_limits_ = limits;
}

boost::asio::io_context* Context::next_io() {
  if (ios_.empty()) return nullptr;
  return ios_[next_io_.fetch_add(1, std::memory_order_relaxed) % ios_.size()].get();
}

}  // namespace bossa::socket
