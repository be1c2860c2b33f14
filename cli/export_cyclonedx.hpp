#pragma once
// A CycloneDX 1.6 software bill of materials (JSON) for security scanners and
// SBOM stores.

#include <string>

#include <nlohmann/json.hpp>

#include "lockfile/fingerprint.hpp"

namespace envlock::cli {

/// The BOM: bomFormat "CycloneDX", specVersion "1.6", a serialNumber
/// urn:uuid derived from the lock digest (same lock, same serial; a UUIDv8
/// over SHA-256), version 1, metadata {timestamp = lock's created, tools =
/// envlock, properties envlock:target/envlock:digest}, and components: the
/// operating system and Python interpreter when known, then one "library" per
/// exported package with name, version, purl "pkg:pypi/<name>@<version>" (as
/// bom-ref too), hashes SHA-256 from files.digest when present, a vcs or archive
/// direct URL as an external reference, and envlock:location/envlock:installer
/// properties. Unlike the installable formats it accepts any name: an
/// inventory must not leave a package out (purl parts are percent-encoded).
nlohmann::ordered_json fingerprint_to_cyclonedx(const lockfile::Fingerprint& fp);

/// fingerprint_to_cyclonedx printed (two-space indent, final newline,
/// ill-formed UTF-8 replaced by U+FFFD).
std::string export_cyclonedx(const lockfile::Fingerprint& fp);

/// "pkg:pypi/<name>@<version>" with both parts percent-encoded as purl wants
/// (name lower-cased, '_' as '-'); no "@" part for an empty version.
std::string pypi_purl(std::string_view name, std::string_view version);

/// "urn:uuid:..." from SHA-256 of `seed`: the first 16 bytes with the RFC 9562
/// version 8 and variant bits set.
std::string uuid_urn_from(std::string_view seed);

}  // namespace envlock::cli
