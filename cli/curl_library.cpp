#include "cli/curl_library.hpp"

#include <dlfcn.h>

#include <string>

namespace envlock::cli {

namespace {

template <class Fn>
bool resolve(void* handle, const char* name, Fn& out) {
  out = reinterpret_cast<Fn>(::dlsym(handle, name));
  return out != nullptr;
}

Result<CurlLibrary> load() {
  void* handle = nullptr;
  std::string tried;
  for (const char* name : {"libcurl.so.4", "libcurl-gnutls.so.4"}) {
    handle = ::dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (handle) break;
    const char* why = ::dlerror();
    tried += std::string(tried.empty() ? "" : "; ") + (why ? why : name);
  }
  if (!handle) return fail("cannot load libcurl to fetch a URL (install libcurl4): " + tried);
  // Kept loaded for the life of the process, like any linked library.
  CurlLibrary lib{};
  bool ok = resolve(handle, "curl_global_init", lib.global_init) && resolve(handle, "curl_easy_init", lib.easy_init) &&
            resolve(handle, "curl_easy_setopt", lib.easy_setopt) &&
            resolve(handle, "curl_easy_perform", lib.easy_perform) &&
            resolve(handle, "curl_easy_getinfo", lib.easy_getinfo) &&
            resolve(handle, "curl_easy_strerror", lib.easy_strerror) &&
            resolve(handle, "curl_easy_cleanup", lib.easy_cleanup);
  if (!ok) {
    const char* why = ::dlerror();
    return fail("libcurl lacks a function envlock calls: " + std::string(why ? why : "?"));
  }
  if (lib.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return fail("cannot initialize libcurl");
  return lib;
}

}  // namespace

Result<const CurlLibrary*> curl_library() {
  // A function-local static: loaded once, and C++ makes that thread-safe.
  static const Result<CurlLibrary> loaded = load();
  if (!loaded) return tl::unexpected(loaded.error());
  return &*loaded;
}

}  // namespace envlock::cli
