#include "cli/lock_source.hpp"

#include <iostream>
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

std::string redact_location(const std::string& location) {
  if (!is_url(location)) return location;
  std::size_t scheme_end = location.find("://") + 3;
  std::size_t authority_end = location.find_first_of("/?#", scheme_end);
  if (authority_end == std::string::npos) authority_end = location.size();
  std::string out = location.substr(0, scheme_end);
  std::string_view authority(location.data() + scheme_end, authority_end - scheme_end);
  // The last '@' ends the userinfo: a password may hold an unescaped '@'.
  auto at = authority.rfind('@');
  out += at == std::string_view::npos ? std::string(authority)
                                      : "***@" + std::string(authority.substr(at + 1));
  std::size_t query = location.find('?', authority_end);
  std::size_t fragment = location.find('#', authority_end);
  if (query == std::string::npos || (fragment != std::string::npos && fragment < query)) {
    return out + location.substr(authority_end);
  }
  out += location.substr(authority_end, query + 1 - authority_end);
  std::size_t query_end = fragment == std::string::npos ? location.size() : fragment;
  std::string_view params(location.data() + query + 1, query_end - query - 1);
  // Keep the parameter names (they help to tell URLs apart), never the values.
  bool first = true;
  while (true) {
    auto amp = params.find('&');
    std::string_view param = params.substr(0, amp);
    auto eq = param.find('=');
    if (!first) out += '&';
    first = false;
    out += eq == std::string_view::npos ? std::string(param)
                                        : std::string(param.substr(0, eq)) + "=***";
    if (amp == std::string_view::npos) break;
    params.remove_prefix(amp + 1);
  }
  return out + location.substr(query_end);
}

Result<std::string> fetch_url(const std::string& url) {
  const std::string name = redact_location(url);
  auto loaded = curl_library();
  if (!loaded) return fail(name + ": " + loaded.error().message);
  const CurlLibrary& lib = **loaded;
  std::unique_ptr<CURL, void (*)(CURL*)> curl(lib.easy_init(), lib.easy_cleanup);
  if (!curl) return fail(name + ": cannot initialize libcurl");
  Download d;
  lib.easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  lib.easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, on_data);
  lib.easy_setopt(curl.get(), CURLOPT_WRITEDATA, &d);
  lib.easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
  lib.easy_setopt(curl.get(), CURLOPT_MAXREDIRS, 5L);
  lib.easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  // An https lock never continues over plain http: a redirect there would
  // hand the lock to anyone on the path, silently (the http warning is only
  // given for the URL the user typed).
  lib.easy_setopt(curl.get(), CURLOPT_REDIR_PROTOCOLS_STR,
                  url.starts_with("https://") ? "https" : "http,https");
  lib.easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 10L);
  lib.easy_setopt(curl.get(), CURLOPT_TIMEOUT, 30L);
  lib.easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
  lib.easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  lib.easy_setopt(curl.get(), CURLOPT_USERAGENT, "envlock/" ENVLOCK_VERSION);
  CURLcode rc = lib.easy_perform(curl.get());
  if (d.too_big) return fail(name + ": larger than the 64 MiB limit for a lock");
  if (rc == CURLE_HTTP_RETURNED_ERROR) {
    long code = 0;
    lib.easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &code);
    return fail(name + ": the server answered HTTP " + std::to_string(code));
  }
  if (rc != CURLE_OK) return fail(name + ": " + lib.easy_strerror(rc));
  return d.body;
}

Result<LoadedLock> load_lock(const std::string& location, const std::string& pubkey_path,
                             LockUse use) {
  LoadedLock out;
  out.name = redact_location(location);
  if (location.starts_with("http://") && pubkey_path.empty()) {
    std::cerr << "envlock: warning: " << out.name
              << ": fetched over plain http without --pubkey; tampering in transit cannot be "
                 "detected (use https, or sign the lock and pass --pubkey)\n";
  }
  // Read once: the bytes whose signature is checked are the bytes parsed.
  // Files and URLs, signed or not, share the 64 MiB limit.
  if (is_url(location)) {
    out.text = ENVLOCK_TRY(fetch_url(location));
  } else {
    out.text = ENVLOCK_TRY(lockfile::read_document_file(location));
  }
  // The signature first: an edit anywhere, even one that breaks the TOML, is
  // a failed signature (exit 3), not a syntax error.
  if (!pubkey_path.empty()) ENVLOCK_TRY(verify_lock_file_signature(out.text, out.name, pubkey_path));
  out.fingerprint = ENVLOCK_TRY(lockfile::parse_fingerprint_text(out.text, out.name));
  // A lock without its digest would compare whatever it says unchecked: a
  // gate fails closed. A scan output (no digest by design) is for diff.
  if (use == LockUse::kLock && out.fingerprint.envlock.digest.empty()) {
    return fail(out.name + ": no digest in [envlock]: not a lock (a scan output, or a lock whose "
                           "digest was removed); write one with `envlock lock`",
                ErrorKind::kIntegrity);
  }
  return out;
}

}  // namespace envlock::cli
