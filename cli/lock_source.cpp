#include "cli/lock_source.hpp"

#include <memory>
#include <string>

#include "cli/curl_library.hpp"
#include "cli/output.hpp"
#include "cli/signing.hpp"
#include "lockfile/lock_io.hpp"

namespace envlock::cli {

namespace {

constexpr std::size_t kMaxLockBytes = 64u << 20;

struct Download {
  std::string body;
  bool too_big = false;
};

std::size_t on_data(char* data, std::size_t size, std::size_t count, void* user) {
  auto* d = static_cast<Download*>(user);
  std::size_t n = size * count;
  if (d->body.size() + n > kMaxLockBytes) {
    d->too_big = true;
    return 0;  // aborts the transfer
  }
  d->body.append(data, n);
  return n;
}

bool is_url(const std::string& s) { return s.starts_with("http://") || s.starts_with("https://"); }

}  // namespace

Result<std::string> fetch_url(const std::string& url) {
  auto loaded = curl_library();
  if (!loaded) return fail(url + ": " + loaded.error().message);
  const CurlLibrary& lib = **loaded;
  std::unique_ptr<CURL, void (*)(CURL*)> curl(lib.easy_init(), lib.easy_cleanup);
  if (!curl) return fail(url + ": cannot initialize libcurl");
  Download d;
  lib.easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  lib.easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, on_data);
  lib.easy_setopt(curl.get(), CURLOPT_WRITEDATA, &d);
  lib.easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
  lib.easy_setopt(curl.get(), CURLOPT_MAXREDIRS, 5L);
  lib.easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  lib.easy_setopt(curl.get(), CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  lib.easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 10L);
  lib.easy_setopt(curl.get(), CURLOPT_TIMEOUT, 30L);
  lib.easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
  lib.easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  lib.easy_setopt(curl.get(), CURLOPT_USERAGENT, "envlock/" ENVLOCK_VERSION);
  CURLcode rc = lib.easy_perform(curl.get());
  if (d.too_big) return fail(url + ": larger than the 64 MiB limit for a lock");
  if (rc == CURLE_HTTP_RETURNED_ERROR) {
    long code = 0;
    lib.easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &code);
    return fail(url + ": the server answered HTTP " + std::to_string(code));
  }
  if (rc != CURLE_OK) return fail(url + ": " + lib.easy_strerror(rc));
  return d.body;
}

Result<LoadedLock> load_lock(const std::string& location, const std::string& pubkey_path) {
  LoadedLock out;
  if (!is_url(location) && pubkey_path.empty()) {
    out.fingerprint = ENVLOCK_TRY(lockfile::read_fingerprint_file(location));
    return out;
  }
  // Read once: the bytes whose signature is checked are the bytes parsed.
  if (is_url(location)) {
    out.text = ENVLOCK_TRY(fetch_url(location));
  } else {
    out.text = ENVLOCK_TRY(read_input_file(location, "lock"));
  }
  // The signature first: an edit anywhere, even one that breaks the TOML, is
  // a failed signature (exit 3), not a syntax error.
  if (!pubkey_path.empty()) ENVLOCK_TRY(verify_lock_file_signature(out.text, location, pubkey_path));
  out.fingerprint = ENVLOCK_TRY(lockfile::parse_fingerprint_text(out.text, location));
  return out;
}

}  // namespace envlock::cli
