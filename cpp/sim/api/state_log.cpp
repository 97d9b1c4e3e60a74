#include "sim/api/state_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace shandian::sim {
namespace {

constexpr std::uint32_t kMagic = 0x31494453;  // "SDI1"

struct Header {
  std::uint32_t magic;
  std::uint8_t kind;
  std::uint8_t pad[3];
  std::int32_t conn;
  std::int32_t request_id;
  std::int32_t a;
  std::uint32_t size;
};

}  // namespace

StateLog::~StateLog() {
  if (fd_ >= 0) ::close(fd_);
}

bool StateLog::read(const std::string& path, std::vector<InputEntry>& out, std::string& error,
                    std::size_t* complete_bytes) {
  if (complete_bytes != nullptr) *complete_bytes = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) return true;  // no file yet: a fresh instance
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t off = 0;
  while (off + sizeof(Header) <= bytes.size()) {
    Header h;
    std::memcpy(&h, bytes.data() + off, sizeof h);
    if (h.magic != kMagic || h.kind < 1 || h.kind > static_cast<std::uint8_t>(InputKind::TradingDay)) {
      error = "state file " + path + ": not a local front state log (bad entry at byte " + std::to_string(off) + ")";
      return false;
    }
    if (off + sizeof h + h.size > bytes.size()) break;  // torn tail
    InputEntry e;
    e.kind = static_cast<InputKind>(h.kind);
    e.conn = h.conn;
    e.request_id = h.request_id;
    e.a = h.a;
    e.body.assign(bytes.begin() + static_cast<std::ptrdiff_t>(off + sizeof h),
                  bytes.begin() + static_cast<std::ptrdiff_t>(off + sizeof h + h.size));
    out.push_back(std::move(e));
    off += sizeof h + h.size;
  }
  if (complete_bytes != nullptr) *complete_bytes = off;
  return true;
}

bool StateLog::open(const std::string& path, std::size_t complete_bytes, std::string& error) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    error = "state file " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || (static_cast<std::size_t>(st.st_size) > complete_bytes &&
                                 ::ftruncate(fd_, static_cast<off_t>(complete_bytes)) != 0)) {
    error = "state file " + path + ": cannot cut its torn last entry: " + std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  return true;
}

void StateLog::append(InputKind kind, std::int32_t conn, std::int32_t request_id, std::int32_t a, const void* body,
                      std::uint32_t size) noexcept {
  if (fd_ < 0) return;
  unsigned char buf[sizeof(Header) + 2048];
  if (size > sizeof buf - sizeof(Header)) return;  // every logged CTP struct is far smaller
  const Header h{kMagic, static_cast<std::uint8_t>(kind), {0, 0, 0}, conn, request_id, a, size};
  std::memcpy(buf, &h, sizeof h);
  if (size != 0) std::memcpy(buf + sizeof h, body, size);
  const std::size_t total = sizeof h + size;
  std::size_t done = 0;
  while (done < total) {
    const ssize_t n = ::write(fd_, buf + done, total - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // disk full / closed: the instance keeps running, the state is just not kept
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace shandian::sim
