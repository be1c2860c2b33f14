#pragma once
// Test support: a real HTTP/1.0 server on 127.0.0.1 (an ephemeral port), in a
// thread of the test process, serving canned responses by path. Enough for
// libcurl to fetch locks through it; nothing leaves the loopback interface.

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace envlock::testing {

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string location;  ///< a Location header (redirects) when not empty
};

class HttpServer {
 public:
  HttpServer();  ///< listening when constructed; aborts the test binary if it cannot bind
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Serves `response` for GET `path`; unknown paths get 404.
  void route(const std::string& path, HttpResponse response);
  /// "http://127.0.0.1:PORT" + path.
  std::string url(const std::string& path) const;
  int port() const { return port_; }

 private:
  void serve();
  void answer(int client);

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::map<std::string, HttpResponse> routes_;
  std::thread thread_;
};

}  // namespace envlock::testing
