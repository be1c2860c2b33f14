#pragma once
// libarchive, opened on first use (see shared_library.hpp): only image scans
// (tar streams) and zipped eggs on sys.path (zip) need it. Every call has the
// type archive.h declares for it, so a mismatch with the header is a compile
// error, and the scanner does not link libarchive, so a direct archive_* call
// is a link error.

#include <archive.h>
#include <archive_entry.h>

#include "base/error.hpp"

namespace envlock::scanner {

/// The libarchive calls envlock makes, named without the archive_ prefix.
struct ArchiveLibrary {
  decltype(&::archive_read_new) read_new;
  decltype(&::archive_read_free) read_free;
  decltype(&::archive_read_support_filter_none) read_support_filter_none;
  decltype(&::archive_read_support_filter_gzip) read_support_filter_gzip;
  decltype(&::archive_read_support_filter_zstd) read_support_filter_zstd;
  decltype(&::archive_read_support_filter_xz) read_support_filter_xz;
  decltype(&::archive_read_support_filter_bzip2) read_support_filter_bzip2;
  decltype(&::archive_read_support_filter_lz4) read_support_filter_lz4;
  decltype(&::archive_read_support_format_raw) read_support_format_raw;
  decltype(&::archive_read_support_format_tar) read_support_format_tar;
  decltype(&::archive_read_support_format_zip_seekable) read_support_format_zip_seekable;
  decltype(&::archive_read_open) read_open;
  decltype(&::archive_read_open1) read_open1;
  decltype(&::archive_read_set_read_callback) read_set_read_callback;
  decltype(&::archive_read_set_skip_callback) read_set_skip_callback;
  decltype(&::archive_read_set_seek_callback) read_set_seek_callback;
  decltype(&::archive_read_set_callback_data) read_set_callback_data;
  decltype(&::archive_read_next_header) read_next_header;
  decltype(&::archive_read_data_block) read_data_block;
  decltype(&::archive_error_string) error_string;
  decltype(&::archive_set_error) set_error;
  decltype(&::archive_filter_bytes) filter_bytes;
  decltype(&::archive_entry_pathname) entry_pathname;
  decltype(&::archive_entry_pathname_utf8) entry_pathname_utf8;
  decltype(&::archive_entry_size_is_set) entry_size_is_set;
  decltype(&::archive_entry_size) entry_size;
  decltype(&::archive_entry_mode) entry_mode;
  decltype(&::archive_entry_mtime) entry_mtime;
  decltype(&::archive_entry_mtime_nsec) entry_mtime_nsec;
  decltype(&::archive_entry_hardlink) entry_hardlink;
  decltype(&::archive_entry_symlink) entry_symlink;
  decltype(&::archive_entry_symlink_utf8) entry_symlink_utf8;
  decltype(&::archive_entry_filetype) entry_filetype;
  decltype(&::archive_entry_sparse_count) entry_sparse_count;

  /// archive_error_string, or a stand-in when libarchive set none.
  std::string message(archive* a) const {
    const char* msg = error_string(a);
    return msg ? msg : "unknown libarchive error";
  }
};

/// Loads libarchive.so.13 once (thread-safe) and resolves every call; the
/// error says what is missing and which package provides it.
Result<const ArchiveLibrary*> archive_library();

}  // namespace envlock::scanner
