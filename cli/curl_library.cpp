#include "cli/curl_library.hpp"

#include "base/shared_library.hpp"

namespace envlock::cli {

namespace {

Result<CurlLibrary> load() {
  auto lib = ENVLOCK_TRY(SharedLibrary::open({"libcurl.so.4", "libcurl-gnutls.so.4"},
                                                      "cannot load libcurl to fetch a URL (install libcurl4)"));
  CurlLibrary curl{};
  lib.resolve("curl_global_init", curl.global_init);
  lib.resolve("curl_easy_init", curl.easy_init);
  lib.resolve("curl_easy_setopt", curl.easy_setopt);
  lib.resolve("curl_easy_perform", curl.easy_perform);
  lib.resolve("curl_easy_getinfo", curl.easy_getinfo);
  lib.resolve("curl_easy_strerror", curl.easy_strerror);
  lib.resolve("curl_easy_cleanup", curl.easy_cleanup);
  ENVLOCK_TRY(lib.check());
  if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return fail("cannot initialize libcurl");
  return curl;
}

}  // namespace

Result<const CurlLibrary*> curl_library() { return load_once<CurlLibrary, load>(); }

}  // namespace envlock::cli
