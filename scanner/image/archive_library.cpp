#include "scanner/image/archive_library.hpp"

#include "base/shared_library.hpp"

namespace envlock::scanner {

namespace {

Result<ArchiveLibrary> load() {
  // The soname of every libarchive 3.x; Debian's package is libarchive13
  // (libarchive13t64 since the 64-bit time_t transition, same soname).
  auto lib = ENVLOCK_TRY(SharedLibrary::open(
      {"libarchive.so.13"},
      "cannot load libarchive to read an image or a zipped egg (install libarchive13)"));
  ArchiveLibrary la{};
  lib.resolve("archive_read_new", la.read_new);
  lib.resolve("archive_read_free", la.read_free);
  lib.resolve("archive_read_support_filter_none", la.read_support_filter_none);
  lib.resolve("archive_read_support_filter_gzip", la.read_support_filter_gzip);
  lib.resolve("archive_read_support_filter_zstd", la.read_support_filter_zstd);
  lib.resolve("archive_read_support_filter_xz", la.read_support_filter_xz);
  lib.resolve("archive_read_support_filter_bzip2", la.read_support_filter_bzip2);
  lib.resolve("archive_read_support_filter_lz4", la.read_support_filter_lz4);
  lib.resolve("archive_read_support_format_raw", la.read_support_format_raw);
  lib.resolve("archive_read_support_format_tar", la.read_support_format_tar);
  lib.resolve("archive_read_support_format_zip_seekable", la.read_support_format_zip_seekable);
  lib.resolve("archive_read_open", la.read_open);
  lib.resolve("archive_read_open1", la.read_open1);
  lib.resolve("archive_read_set_read_callback", la.read_set_read_callback);
  lib.resolve("archive_read_set_skip_callback", la.read_set_skip_callback);
  lib.resolve("archive_read_set_seek_callback", la.read_set_seek_callback);
  lib.resolve("archive_read_set_callback_data", la.read_set_callback_data);
  lib.resolve("archive_read_next_header", la.read_next_header);
  lib.resolve("archive_read_data_block", la.read_data_block);
  lib.resolve("archive_error_string", la.error_string);
  lib.resolve("archive_set_error", la.set_error);
  lib.resolve("archive_filter_bytes", la.filter_bytes);
  lib.resolve("archive_entry_pathname", la.entry_pathname);
  lib.resolve("archive_entry_pathname_utf8", la.entry_pathname_utf8);
  lib.resolve("archive_entry_size_is_set", la.entry_size_is_set);
  lib.resolve("archive_entry_size", la.entry_size);
  lib.resolve("archive_entry_mode", la.entry_mode);
  lib.resolve("archive_entry_mtime", la.entry_mtime);
  lib.resolve("archive_entry_mtime_nsec", la.entry_mtime_nsec);
  lib.resolve("archive_entry_hardlink", la.entry_hardlink);
  lib.resolve("archive_entry_symlink", la.entry_symlink);
  lib.resolve("archive_entry_symlink_utf8", la.entry_symlink_utf8);
  lib.resolve("archive_entry_filetype", la.entry_filetype);
  lib.resolve("archive_entry_sparse_count", la.entry_sparse_count);
  ENVLOCK_TRY(lib.check());
  return la;
}

}  // namespace

Result<const ArchiveLibrary*> archive_library() { return load_once<ArchiveLibrary, load>(); }

}  // namespace envlock::scanner
