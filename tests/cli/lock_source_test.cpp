// Locks by URL: libcurl against a real HTTP server on 127.0.0.1, with the
// same digest and signature rules as a lock file on disk.

#include "cli/lock_source.hpp"

#include <gtest/gtest.h>

#include "lockfile/lock_io.hpp"
#include "support/http_server.hpp"
#include "support/process.hpp"
#include "support/paths.hpp"

namespace envlock::cli {
namespace {

using testing::envlock;
using testing::HttpResponse;
using testing::HttpServer;
using testing::TempDir;

const std::string kBasic = std::string(ENVLOCK_FIXTURES) + "/sites/basic";

const std::string kSampleLock = std::string(ENVLOCK_FIXTURES) + "/locks/sample.envlock.toml";

class LockByUrl : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(envlock({"keygen", "-o", work_ / "ci"}).status, 0);
    ASSERT_EQ(envlock({"keygen", "-o", work_ / "other"}).status, 0);
    auto lock = envlock({"lock", "--site", kBasic, "--fast", "--sign", work_ / "ci.key", "-o", lock_});
    ASSERT_EQ(lock.status, 0) << lock.err;
    text_ = testing::read_file(lock_);
    server_.route("/model.envlock.toml", {200, text_, ""});
  }

  TempDir work_;
  std::string lock_ = work_ / "model.envlock.toml";
  std::string text_;
  HttpServer server_;
};

TEST_F(LockByUrl, FetchedLockEqualsTheFile) {
  auto fetched = load_lock(server_.url("/model.envlock.toml"));
  ASSERT_TRUE(fetched) << fetched.error().message;
  auto local = lockfile::read_fingerprint_file(lock_);
  ASSERT_TRUE(local) << local.error().message;
  EXPECT_EQ(fetched->fingerprint.envlock.digest, local->envlock.digest);
  EXPECT_EQ(fetched->fingerprint.packages.size(), local->packages.size());
  EXPECT_EQ(fetched->text, text_);
}

TEST_F(LockByUrl, SignatureIsCheckedOnTheFetchedBytes) {
  EXPECT_TRUE(load_lock(server_.url("/model.envlock.toml"), work_ / "ci.pub"));
  auto wrong = load_lock(server_.url("/model.envlock.toml"), work_ / "other.pub");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().kind, ErrorKind::kIntegrity);
  EXPECT_EQ(wrong.error().message.rfind(server_.url("/model.envlock.toml"), 0), 0u) << wrong.error().message;
}

TEST_F(LockByUrl, ATamperedLockFailsItsDigest) {
  std::string tampered = text_;
  auto pos = tampered.find("version = \"");
  ASSERT_NE(pos, std::string::npos);
  tampered[pos + 11] = tampered[pos + 11] == '9' ? '8' : '9';
  server_.route("/tampered.toml", {200, tampered, ""});
  auto r = load_lock(server_.url("/tampered.toml"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kIntegrity);
  EXPECT_NE(r.error().message.find("digest mismatch"), std::string::npos) << r.error().message;
}

TEST_F(LockByUrl, HttpErrorsAndSizeLimitsNameTheUrl) {
  auto missing = load_lock(server_.url("/nope.toml"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(missing.error().message.rfind(server_.url("/nope.toml") + ": ", 0), 0u) << missing.error().message;
  EXPECT_NE(missing.error().message.find("404"), std::string::npos) << missing.error().message;

  server_.route("/huge.toml", {200, std::string((64u << 20) + 1, '#'), ""});
  auto huge = fetch_url(server_.url("/huge.toml"));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().message, server_.url("/huge.toml") + ": larger than the 64 MiB limit for a lock");

  server_.route("/garbage.toml", {200, "[envlock\n", ""});
  auto garbage = load_lock(server_.url("/garbage.toml"));
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(garbage.error().message.rfind(server_.url("/garbage.toml") + ":1", 0), 0u) << garbage.error().message;
}

TEST_F(LockByUrl, RedirectsStayOnHttp) {
  server_.route("/latest", {302, "", server_.url("/model.envlock.toml")});
  auto followed = load_lock(server_.url("/latest"));
  ASSERT_TRUE(followed) << followed.error().message;
  EXPECT_EQ(followed->text, text_);

  // A server must not be able to make envlock read a local file.
  server_.route("/sneaky", {302, "", "file://" + lock_});
  auto sneaky = fetch_url(server_.url("/sneaky"));
  ASSERT_FALSE(sneaky);
  EXPECT_EQ(sneaky.error().message.rfind(server_.url("/sneaky") + ": ", 0), 0u) << sneaky.error().message;
}

TEST_F(LockByUrl, NothingListeningIsAnErrorNotAHang) {
  std::string url;
  {
    HttpServer gone;  // a port that was just free and is closed again
    url = gone.url("/model.envlock.toml");
  }
  auto r = fetch_url(url);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.rfind(url + ": ", 0), 0u) << r.error().message;
}

TEST_F(LockByUrl, CheckCommandTakesAUrl) {
  auto check = envlock({"check", "--lock", server_.url("/model.envlock.toml"), "--site", kBasic, "--fast",
                        "--pubkey", work_ / "ci.pub"});
  EXPECT_EQ(check.status, 0) << check.out << check.err;
  auto verify = envlock({"verify", server_.url("/model.envlock.toml"), "--pubkey", work_ / "other.pub"});
  EXPECT_EQ(verify.status, 3) << verify.out << verify.err;
}

TEST(RedactLocation, HidesUserinfoAndQueryValues) {
  EXPECT_EQ(redact_location("https://ci:hunter2@locks.example/m.toml"),
            "https://***@locks.example/m.toml");
  EXPECT_EQ(redact_location("https://tok@en@locks.example:8443"), "https://***@locks.example:8443");
  EXPECT_EQ(redact_location("https://s3.example/b/m.toml?X-Amz-Signature=abc&X-Amz-Credential=k&x"
                            "#frag"),
            "https://s3.example/b/m.toml?X-Amz-Signature=***&X-Amz-Credential=***&x#frag");
  EXPECT_EQ(redact_location("http://host/a@b?"), "http://host/a@b?");
  EXPECT_EQ(redact_location("locks/user:pass@host.toml"), "locks/user:pass@host.toml");
}

TEST_F(LockByUrl, CredentialsInTheUrlAppearNowhere) {
  const std::string port = std::to_string(server_.port());
  const std::string path = "/model.envlock.toml?token=s3cr3t-query";
  server_.route(path, {200, text_, ""});
  const std::string url = "http://ci-user:hunter2-pass@127.0.0.1:" + port + path;
  const std::string shown = "http://***@127.0.0.1:" + port + "/model.envlock.toml?token=***";
  auto no_secret = [](const std::string& s) {
    return s.find("hunter2") == std::string::npos && s.find("s3cr3t") == std::string::npos &&
           s.find("ci-user") == std::string::npos;
  };
  auto check = envlock({"check", "--lock", url, "--site", kBasic, "--fast", "--format", "json"});
  EXPECT_EQ(check.status, 0) << check.out << check.err;
  EXPECT_TRUE(no_secret(check.out) && no_secret(check.err)) << check.out << check.err;
  EXPECT_NE(check.out.find("\"lock\": \"" + shown + "\""), std::string::npos) << check.out;

  auto verify = envlock({"verify", url});
  EXPECT_EQ(verify.status, 0) << verify.err;
  EXPECT_TRUE(no_secret(verify.out) && no_secret(verify.err)) << verify.out << verify.err;

  // Errors: a 404, a bad signature, a digest mismatch, a diff report.
  const std::string missing = "http://ci-user:hunter2-pass@127.0.0.1:" + port + "/nope?token=s3cr3t";
  auto gone = envlock({"check", "--lock", missing, "--site", kBasic, "--fast"});
  EXPECT_EQ(gone.status, 2);
  EXPECT_TRUE(no_secret(gone.out) && no_secret(gone.err)) << gone.err;
  EXPECT_NE(gone.err.find("http://***@127.0.0.1:" + port + "/nope?token=***"), std::string::npos)
      << gone.err;
  auto wrong = envlock({"verify", url, "--pubkey", work_ / "other.pub"});
  EXPECT_EQ(wrong.status, 3);
  EXPECT_TRUE(no_secret(wrong.out) && no_secret(wrong.err)) << wrong.err;
  for (const char* format : {"text", "json", "markdown", "html", "junit", "sarif"}) {
    auto diff = envlock({"diff", url, url, "--format", format});
    EXPECT_EQ(diff.status, 0) << diff.err;
    EXPECT_TRUE(no_secret(diff.out) && no_secret(diff.err)) << format << ": " << diff.out;
  }
}

TEST_F(LockByUrl, PlainHttpWithoutAPublicKeyWarns) {
  auto plain = envlock({"check", "--lock", server_.url("/model.envlock.toml"), "--site", kBasic,
                        "--fast"});
  EXPECT_EQ(plain.status, 0) << plain.err;
  EXPECT_NE(plain.err.find("warning"), std::string::npos) << plain.err;
  EXPECT_NE(plain.err.find("plain http"), std::string::npos) << plain.err;
  auto signed_check = envlock({"check", "--lock", server_.url("/model.envlock.toml"), "--site",
                               kBasic, "--fast", "--pubkey", work_ / "ci.pub"});
  EXPECT_EQ(signed_check.status, 0) << signed_check.err;
  EXPECT_EQ(signed_check.err.find("warning"), std::string::npos) << signed_check.err;
  // A lock file on disk is not fetched over anything: no warning.
  auto local = envlock({"check", "--lock", lock_, "--site", kBasic, "--fast"});
  EXPECT_EQ(local.err.find("warning"), std::string::npos) << local.err;
}

TEST(LockBudget, ALockOfTinyValuesIsRefusedBeforeParsing) {
  // A well-formed lock whose [python] site-dirs holds 700,000 empty strings:
  // 2 MB of text that a tree would make ~100x larger. Refused (exit 2) with
  // the file and line; the same lock with a sensible list still reads.
  TempDir work;
  std::string text = "[envlock]\nschema = 1\n\n[python]\nsite-dirs = [";
  for (int i = 0; i < 700000; ++i) text += "\"\",";
  text += "]\n";
  testing::write_file(work / "tiny.toml", text);
  auto diff = envlock({"diff", work / "tiny.toml", work / "tiny.toml"});
  EXPECT_EQ(diff.status, 2) << diff.out << diff.err;
  EXPECT_NE(diff.err.find(work / "tiny.toml" + ":5: more than "), std::string::npos) << diff.err;

  // A valid policy of 300,000 empty ignore entries (900 KB, under the 1 MiB
  // policy limit): same budget, same refusal.
  std::string policy = "[packages]\nignore = [";
  for (int i = 0; i < 300000; ++i) policy += "\"\",";
  policy += "]\n";
  testing::write_file(work / "policy.toml", policy);
  auto refused = envlock({"diff", kSampleLock, kSampleLock, "--policy", work / "policy.toml"});
  EXPECT_EQ(refused.status, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find(work / "policy.toml" + ":2: more than "), std::string::npos)
      << refused.err;
  EXPECT_EQ(envlock({"diff", kSampleLock, kSampleLock}).status, 0);
}

}  // namespace
}  // namespace envlock::cli
