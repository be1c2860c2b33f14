#pragma once
// libcurl, loaded with dlopen on first use (base/shared_library.hpp).
// Only a lock given by URL needs it, while linking it costs every envlock run
// the start-up of some 25 shared libraries (TLS, Kerberos, LDAP, IDN...):
// about as long as the rest of a cached `scan --fast`. The CI gate runs
// envlock often; it pays for libcurl only when it fetches. The headers still
// come from libcurl's -dev package.

#include <curl/curl.h>

#include "base/error.hpp"

namespace envlock::cli {

/// The libcurl calls envlock makes. Named apart from curl.h's own names,
/// which are type-checking macros in its headers.
struct CurlLibrary {
  CURLcode (*global_init)(long flags);
  CURL* (*easy_init)();
  CURLcode (*easy_setopt)(CURL* handle, CURLoption option, ...);
  CURLcode (*easy_perform)(CURL* handle);
  CURLcode (*easy_getinfo)(CURL* handle, CURLINFO info, ...);
  const char* (*easy_strerror)(CURLcode code);
  void (*easy_cleanup)(CURL* handle);
};

/// Loads libcurl.so.4 (or Debian's libcurl-gnutls.so.4) once, resolves every
/// call and runs curl_global_init; thread-safe. The error says what is missing.
Result<const CurlLibrary*> curl_library();

}  // namespace envlock::cli
